using System.Collections.Frozen;
using Iteration.Streaming.AI.Tests.Infrastructure;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.AI.Tests.Prompting;

/// <summary>What the user said and did at review gates reaches the model: instructions, edited files and locks.</summary>
public sealed class UserSteeringPromptTests
{
    private const string EmptyAnswer = "<file path=\"x\">x</file>";

    [Fact]
    public async Task UserMessage_InstructionsEditsAndLocks_ReachThePromptInTheirOwnSections()
    {
        await using var harness = new GeneratorHarness();
        await harness.SaveAsync(1, ("src/db.ts", "export const db = {};\n"), ("src/auth.ts", "// auth\n"));
        await harness.Sink.SavePhaseAsync(harness.GenerationId, 1, [GeneratedFile.FromText("src/db.ts", "// the user's db\n") with { WrittenBy = FileAuthors.User }]);
        harness.Client.AnswerText(EmptyAnswer);
        var context = await harness.ContextAsync(phase: 2);

        await GeneratorHarness.RunPhaseAsync(harness.CreateGenerator(), Steered(context));

        var user = harness.Client.Requests[0].User;
        user.Should().Contain("- src/db.ts (17 bytes, phase 1, written by the user: keep their change)\n");
        user.Should().Contain("- src/auth.ts (8 bytes, phase 1, locked: do not write or delete it)\n");
        user.Should().Contain("# The user's instructions\nFollow these from this phase on; where two disagree, the later one wins.\n"
            + "- (at the plan's review) Use PostgreSQL, not SQLite\n- (during phase 1) Name tables in\n  snake_case\n");
        user.Should().Contain("# Locked files\nThe user locked these paths: do not write or delete them (a file written there is discarded).\n- src/auth.ts\n- src/later.ts\n");
        user.Should().EndWith("Answer with <file> blocks only.\n");
    }

    [Fact]
    public async Task UserMessage_NoSteering_HasNoSteeringSections()
    {
        await using var harness = new GeneratorHarness();
        harness.Client.AnswerText(EmptyAnswer);

        await harness.RunPhaseAsync(2);

        harness.Client.Requests[0].User.Should().NotContain("# The user's instructions").And.NotContain("# Locked files").And.NotContain("written by the user");
    }

    [Fact]
    public async Task GenerateAsync_AModelThatWritesALockedPath_StillYieldsIt_TheEngineRefusesIt()
    {
        await using var harness = new GeneratorHarness();
        harness.Client.AnswerText("<file path=\"src/auth.ts\">overwritten</file>");
        var context = await harness.ContextAsync(phase: 2);

        var files = await GeneratorHarness.RunPhaseAsync(harness.CreateGenerator(), Steered(context));

        // The generator passes the model's files on; the engine (PhaseRunner) refuses a locked path with a warning.
        files.Should().ContainSingle(f => f.Path == "src/auth.ts");
    }

    private static PhaseContext Steered(PhaseContext context) => new()
    {
        GenerationId = context.GenerationId,
        Prompt = context.Prompt,
        Entities = context.Entities,
        Phase = context.Phase,
        Plan = context.Plan,
        Files = context.Files,
        Mode = context.Mode,
        Instructions = [new UserInstruction("Use PostgreSQL, not SQLite", 0), new UserInstruction("Name tables in\nsnake_case", 1)],
        LockedPaths = new[] { "src/later.ts", "src/auth.ts" }.ToFrozenSet(StringComparer.Ordinal),
    };
}
