using Iteration.Streaming.AI.Tests.Infrastructure;
using Microsoft.Extensions.AI;

namespace Iteration.Streaming.AI.Tests.Prompting;

public sealed class PhasePromptTests
{
    private const string EmptyAnswer = "<file path=\"x\">x</file>";

    [Fact]
    public async Task GenerateAsync_SendsOneStreamedRequest_WithASystemAndAUserMessage()
    {
        await using var harness = new GeneratorHarness();
        harness.Client.AnswerText(EmptyAnswer);

        await harness.RunPhaseAsync();

        harness.Client.Requests.Should().ContainSingle()
            .Which.Messages.Select(m => m.Role).Should().Equal(ChatRole.System, ChatRole.User);
    }

    [Fact]
    public async Task SystemMessage_IsTheSystemPromptThenTheFormatRules()
    {
        await using var harness = new GeneratorHarness(o => o.SystemPrompt = "You write Go services.");
        harness.Client.AnswerText(EmptyAnswer);

        await harness.RunPhaseAsync();

        var system = harness.Client.Requests[0].System;
        system.Should().StartWith("You write Go services.\n\n# Output format\n");
        system.Should().Contain("<file path=\"relative/path/to/file.ext\">\nthe complete content of the file\n</file>");
        system.Should().Contain("no Markdown code fences");
    }

    [Fact]
    public async Task UserMessage_CarriesPromptEntitiesPlanAndTask_InThatOrder()
    {
        await using var harness = new GeneratorHarness();
        harness.Client.AnswerText(EmptyAnswer);

        await harness.RunPhaseAsync(2);

        var user = harness.Client.Requests[0].User;
        user.Should().StartWith("# Application\nBuild a task tracker\n\n# Entities\n- User\n\n# Plan\n");
        user.Should().Contain(
            "1. Core Infrastructure\n2. User Entity (entity: User) <- the current phase\n3. Support Files\n4. Main Application\n");
        user.Should().Contain("# Task\nWrite the files of phase 2 of 4: User Entity. Its entity is User.\nWrite everything this phase's entity needs");
        user.Should().EndWith("Answer with <file> blocks only.\n");
        IndexesOf(user, "# Application", "# Entities", "# Plan", "# Saved files", "# Task").Should().BeInAscendingOrder();
    }

    [Fact]
    public async Task UserMessage_NoSavedFiles_SaysSo()
    {
        await using var harness = new GeneratorHarness();
        harness.Client.AnswerText(EmptyAnswer);

        await harness.RunPhaseAsync();

        harness.Client.Requests[0].User.Should().Contain("# Saved files\nNone yet.\n");
    }

    [Fact]
    public async Task UserMessage_SavedFiles_ListsThemAndShowsTheirContents()
    {
        await using var harness = new GeneratorHarness();
        await harness.SaveAsync(1, ("src/db.ts", "export const db = {};\n"), ("package.json", "{ \"name\": \"app\" }"));
        harness.Client.AnswerText(EmptyAnswer);

        await harness.RunPhaseAsync(2);

        var user = harness.Client.Requests[0].User;
        user.Should().Contain("# Saved files\n2 files, each shown below.\n- package.json (17 bytes, phase 1)\n- src/db.ts (22 bytes, phase 1)\n");
        user.Should().Contain("<file path=\"src/db.ts\">\nexport const db = {};\n</file>\n");
        user.Should().Contain("<file path=\"package.json\">\n{ \"name\": \"app\" }</file>\n");
    }

    [Fact]
    public async Task UserMessage_ContentsPastTheBudget_ListsThosePathsOnly()
    {
        await using var harness = new GeneratorHarness(o => o.MaxContextCharacters = 25);
        await harness.SaveAsync(1, ("a.txt", new string('a', 20)), ("b.txt", new string('b', 10)), ("c.txt", new string('c', 5)));
        harness.Client.AnswerText(EmptyAnswer);

        await harness.RunPhaseAsync(2);

        var user = harness.Client.Requests[0].User;
        user.Should().Contain("3 files; the contents of 2 are shown below.\n- a.txt (20 bytes, phase 1)\n- b.txt (10 bytes, phase 1; content not shown)\n- c.txt (5 bytes, phase 1)\n");
        user.Should().Contain("<file path=\"a.txt\">").And.Contain("<file path=\"c.txt\">").And.NotContain("<file path=\"b.txt\">");
    }

    [Fact]
    public async Task UserMessage_ZeroBudget_ListsPathsOnly()
    {
        await using var harness = new GeneratorHarness(o => o.MaxContextCharacters = 0);
        await harness.SaveAsync(1, ("a.txt", "a"));
        harness.Client.AnswerText(EmptyAnswer);

        await harness.RunPhaseAsync(2);

        harness.Client.Requests[0].User.Should().Contain("1 file; the contents of 0 are shown below.\n- a.txt (1 byte, phase 1; content not shown)\n")
            .And.NotContain("<file path=\"a.txt\">");
    }

    [Fact]
    public async Task UserMessage_BinaryOrTagBreakingFile_IsListedWithoutContent()
    {
        await using var harness = new GeneratorHarness();
        await harness.Sink.CreateAsync(harness.GenerationId, null);
        await harness.Sink.SavePhaseAsync(harness.GenerationId, 1, [
            new Streaming.Files.GeneratedFile { Path = "logo.png", Content = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0xFF, 0xFE } },
            Streaming.Files.GeneratedFile.FromText("odd.md", "a </file> inside"),
        ]);
        harness.Client.AnswerText(EmptyAnswer);

        await harness.RunPhaseAsync(2);

        var user = harness.Client.Requests[0].User;
        user.Should().Contain("- logo.png (6 bytes, phase 1; content not shown)").And.Contain("- odd.md (16 bytes, phase 1; content not shown)");
    }

    [Fact]
    public async Task UserMessage_Iteration_CarriesTheModificationAndMarksTheParentsFiles()
    {
        await using var harness = new GeneratorHarness();
        await harness.SaveAsync(0, ("src/app.ts", "old\n"));
        harness.Client.AnswerText(EmptyAnswer);

        await GeneratorHarness.RunPhaseAsync(await harness.CreateGeneratorAndContextAsync(1, "Add a due date to tasks"));

        var user = harness.Client.Requests[0].User;
        user.Should().Contain("# Modification\nThis generation changes an existing application (its files are the saved files from phase 0). The change to make:\nAdd a due date to tasks\n");
        user.Should().Contain("- src/app.ts (4 bytes, from the application being changed)");
        user.Should().Contain("Apply the modification to this phase's part of the application");
    }

    [Fact]
    public async Task UserMessage_ForkOfANewGeneration_AsksForThePhaseInFullWithTheChange()
    {
        await using var harness = new GeneratorHarness();
        await harness.SaveAsync(1, ("src/app.ts", "kept\n"));
        harness.Client.AnswerText("<file path=\"src/user.ts\">\nexport {}\n</file>\n");
        var context = await harness.ContextAsync(2);

        await GeneratorHarness.RunPhaseAsync(harness.CreateGenerator(), new Streaming.Generation.PhaseContext
        {
            GenerationId = context.GenerationId,
            Prompt = context.Prompt,
            ModificationPrompt = "Use PostgreSQL",
            ForkedFrom = "source-generation",
            FromPhase = 1,
            Entities = context.Entities,
            Phase = context.Phase,
            Plan = context.Plan,
            Files = context.Files,
            Mode = context.Mode,
        });

        var user = harness.Client.Requests[0].User;
        user.Should().Contain("# Change\nThis generation keeps phases 1 to 1 of an earlier run as they were saved (their files are below) and generates the later phases in full. Apply this change to them:\nUse PostgreSQL\n");
        user.Should().NotContain("# Modification").And.NotContain("write only the files that must change");
    }

    [Fact]
    public async Task UserMessage_NoPromptOrEntities_SaysSo()
    {
        await using var harness = new GeneratorHarness();
        harness.Client.AnswerText(EmptyAnswer);
        var context = await harness.ContextAsync(prompt: " ");

        await GeneratorHarness.RunPhaseAsync(harness.CreateGenerator(), new Streaming.Generation.PhaseContext
        {
            GenerationId = context.GenerationId,
            Prompt = context.Prompt,
            Entities = [],
            Phase = context.Phase,
            Plan = context.Plan,
            Files = context.Files,
            Mode = context.Mode,
        });

        harness.Client.Requests[0].User.Should().StartWith("# Application\n(no description was given)\n\n# Entities\nNone.\n");
    }

    [Fact]
    public async Task UserMessage_InstructionsForThePhaseName_WinOverTheKind()
    {
        await using var harness = new GeneratorHarness(o => o.PhaseInstructions["user entity"] = "Users need e-mail verification.");
        harness.Client.AnswerText(EmptyAnswer);

        await harness.RunPhaseAsync(2);

        harness.Client.Requests[0].User.Should().Contain("Users need e-mail verification.").And.NotContain("Write everything this phase's entity needs");
    }

    [Fact]
    public async Task UserMessage_NoInstructionsForThePhase_HasOnlyTheTask()
    {
        await using var harness = new GeneratorHarness(o => o.PhaseInstructions.Clear());
        harness.Client.AnswerText(EmptyAnswer);

        await harness.RunPhaseAsync(1);

        harness.Client.Requests[0].User.Should().EndWith("# Task\nWrite the files of phase 1 of 4: Core Infrastructure.\nAnswer with <file> blocks only.\n");
    }

    [Fact]
    public async Task ChatOptions_TemplateAndMaxOutputTokens_AreSentWithoutChangingTheTemplate()
    {
        var template = new ChatOptions { ModelId = "qwen2.5-coder", Temperature = 0.2f, MaxOutputTokens = 1_000 };
        await using var harness = new GeneratorHarness(o =>
        {
            o.ChatOptions = template;
            o.MaxOutputTokens = 8_000;
        });
        harness.Client.AnswerText(EmptyAnswer);

        await harness.RunPhaseAsync();

        var sent = harness.Client.Requests[0].Options!;
        sent.Should().NotBeSameAs(template);
        (sent.ModelId, sent.Temperature, sent.MaxOutputTokens).Should().Be(("qwen2.5-coder", 0.2f, 8_000));
        template.MaxOutputTokens.Should().Be(1_000);
    }

    [Fact]
    public async Task ChatOptions_NoneConfigured_SendsEmptyOptions()
    {
        await using var harness = new GeneratorHarness();
        harness.Client.AnswerText(EmptyAnswer);

        await harness.RunPhaseAsync();

        harness.Client.Requests[0].Options!.MaxOutputTokens.Should().BeNull();
    }

    private static IEnumerable<int> IndexesOf(string text, params string[] parts) =>
        parts.Select(p => text.IndexOf(p, StringComparison.Ordinal));
}
