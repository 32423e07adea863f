using System.Text;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Modes;
using Iteration.Streaming.Sample.Web.Demo;

namespace Iteration.Streaming.Sample.Web.Tests.Demo;

public sealed class DemoGeneratorTests
{
    private static readonly DemoGenerator Generator = new(new StaticOptionsMonitor<DemoOptions>(new DemoOptions { FileDelay = TimeSpan.Zero }), TimeProvider.System);

    [Fact]
    public async Task GenerateAsync_ForEachDefaultPhase_YieldsTheDemoFiles()
    {
        string[] entities = ["User", "Task"];
        var plan = Plan(entities);

        var counts = new List<int>();
        foreach (var phase in plan)
        {
            counts.Add((await GenerateAsync(Context(phase, plan, entities))).Count);
        }

        counts.Should().Equal(5, 4, 4, 5, 5);
    }

    [Fact]
    public async Task GenerateAsync_TwiceWithTheSameContext_IsDeterministic()
    {
        var plan = Plan(["User"]);

        var first = await GenerateAsync(Context(plan[1], plan, ["User"]));
        var second = await GenerateAsync(Context(plan[1], plan, ["User"]));

        first.Select(Describe).Should().Equal(second.Select(Describe));
        first.Select(f => f.Path).Should().Equal("src/Models/User.cs", "src/Repositories/UserRepository.cs", "src/Endpoints/UserEndpoints.cs", "tests/UserRepositoryTests.cs");
    }

    [Fact]
    public async Task GenerateAsync_WithTheFailureMarkerForThisPhase_ThrowsAfterHalfItsFiles()
    {
        var plan = Plan(["User", "Task"]);
        var yielded = new List<GeneratedFile>();

        var act = async () =>
        {
            await foreach (var file in Generator.GenerateAsync(Context(plan[2], plan, ["User", "Task"], prompt: "A tracker [fail:phase=3]")))
            {
                yielded.Add(file);
            }
        };

        (await act.Should().ThrowAsync<GenerationFailedException>()).WithMessage("The demo model gave up in phase 3 (Task Entity) as the prompt asked.");
        yielded.Should().HaveCount(2);
    }

    [Theory]
    [InlineData(2, null)]
    [InlineData(1, "failed-generation")]
    public async Task GenerateAsync_FailMarker_FailsOnlyTheOriginalRun_NotAResumeOrARetry(int attempt, string? retryOf)
    {
        var plan = Plan(["User", "Task"]);
        var context = Context(plan[2], plan, ["User", "Task"], prompt: "A tracker [fail:phase=3]");

        var files = await GenerateAsync(new PhaseContext
        {
            GenerationId = context.GenerationId,
            Prompt = context.Prompt,
            Entities = context.Entities,
            Phase = context.Phase,
            Plan = context.Plan,
            Files = context.Files,
            Mode = context.Mode,
            Attempt = attempt,
            RetryOf = retryOf,
        });

        files.Should().HaveCount(4);
    }

    [Fact]
    public async Task GenerateAsync_FailAlwaysMarker_FailsARetryToo()
    {
        var plan = Plan(["User"]);
        var context = Context(plan[1], plan, ["User"], prompt: "A tracker [fail-always:phase=2]");

        var act = async () => await GenerateAsync(new PhaseContext
        {
            GenerationId = context.GenerationId,
            Prompt = context.Prompt,
            Entities = context.Entities,
            Phase = context.Phase,
            Plan = context.Plan,
            Files = context.Files,
            Mode = context.Mode,
            RetryOf = "failed-generation",
        });

        await act.Should().ThrowAsync<GenerationFailedException>();
    }

    [Fact]
    public async Task GenerateAsync_CrashMarker_ThrowsAnInternalExceptionHoldingTheFakeSecret()
    {
        var plan = Plan(["User"]);

        var act = async () => await GenerateAsync(Context(plan[1], plan, ["User"], prompt: "A tracker [crash:phase=2]"));

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("Password=hunter2");
    }

    [Theory]
    [InlineData("A tracker [fail:phase=2]", 3)]
    [InlineData("A tracker [fail:phase=]", 3)]
    [InlineData("A tracker [FAIL:phase=3]", 3)]
    [InlineData("A tracker [fail:phase=99999]", 3)]
    public async Task GenerateAsync_WithoutAMarkerForThisPhase_YieldsEveryFile(string prompt, int phaseNumber)
    {
        var plan = Plan(["User", "Task"]);

        var files = await GenerateAsync(Context(plan[phaseNumber - 1], plan, ["User", "Task"], prompt));

        files.Should().HaveCount(4);
    }

    [Fact]
    public async Task GenerateAsync_ForAnIteration_ChangesOneFileAndAddsOne()
    {
        var plan = Plan(["User"]);

        var files = await GenerateAsync(Context(plan[1], plan, ["User"], modification: "Add authentication */ now"));

        files.Select(f => f.Path).Should().Equal("src/Models/User.cs", "src/Iteration/UserChanges.cs");
        Encoding.UTF8.GetString(files[0].Content.Span).Should().StartWith("// Changed by iteration: Add authentication  now\n");
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("123")]
    [InlineData("   ")]
    [InlineData("Ünïcødé ✓")]
    public async Task GenerateAsync_WithAHostileEntityName_YieldsOnlySafeRelativePaths(string entity)
    {
        var plan = Plan([entity]);

        var files = await GenerateAsync(Context(plan[1], plan, [entity]));

        files.Should().NotBeEmpty().And.OnlyContain(f => IsSafe(f.Path), "every path is a plain relative path of ASCII letters and digits");
    }

    [Fact]
    public async Task GenerateAsync_WithAPromptOfOnlySymbols_NamesTheAppGeneratedApp()
    {
        var plan = Plan(["User"]);

        var files = await GenerateAsync(Context(plan[0], plan, ["User"], prompt: "!!! ?? 42"));

        files[0].Path.Should().Be("GeneratedApp.csproj");
    }

    [Fact]
    public async Task GenerateAsync_WithTheFailureMarkerForAnotherPhase_KeepsItOutOfTheAppName()
    {
        var plan = Plan(["User"]);

        var files = await GenerateAsync(Context(plan[0], plan, ["User"], prompt: "A task tracker [fail:phase=3]"));

        files[0].Path.Should().Be("TaskTracker.csproj");
    }

    [Fact]
    public async Task GenerateAsync_WhenCancelled_StopsBeforeTheNextFile()
    {
        var slow = new DemoGenerator(new StaticOptionsMonitor<DemoOptions>(new DemoOptions { FileDelay = TimeSpan.FromMinutes(1) }), TimeProvider.System);
        var plan = Plan(["User"]);
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        var act = async () =>
        {
            await foreach (var _ in slow.GenerateAsync(Context(plan[0], plan, ["User"]), cancellation.Token))
            {
            }
        };

        await act.Should().ThrowAsync<OperationCanceledException>().WithPatience();
    }

    [Fact]
    public async Task GenerateAsync_WithoutAContext_Throws()
    {
        var act = async () =>
        {
            await foreach (var _ in Generator.GenerateAsync(null!))
            {
            }
        };

        await act.Should().ThrowAsync<ArgumentNullException>();
    }

    private static bool IsSafe(string path) =>
        !path.StartsWith('/') && !path.Contains("..", StringComparison.Ordinal)
        && path.Split('/').All(part => part.Length > 0 && part.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'));

    private static string Describe(GeneratedFile file) => file.Path + ":" + Encoding.UTF8.GetString(file.Content.Span);

    private static List<PlannedPhase> Plan(string[] entities) =>
    [
        new(1, "Core Infrastructure", PhaseKind.CoreInfrastructure, EstimatedFileCount: 5),
        .. entities.Select((e, i) => new PlannedPhase(i + 2, $"{e} Entity", PhaseKind.Entity, e, 4)),
        new(entities.Length + 2, "Support Files", PhaseKind.SupportFiles, EstimatedFileCount: 5),
        new(entities.Length + 3, "Main Application", PhaseKind.MainApplication, EstimatedFileCount: 2),
    ];

    private static PhaseContext Context(PlannedPhase phase, IReadOnlyList<PlannedPhase> plan, IReadOnlyList<string> entities, string prompt = "A task tracker", string? modification = null) => new()
    {
        GenerationId = "demo",
        Prompt = prompt,
        ModificationPrompt = modification,
        ParentGenerationId = modification is null ? null : "parent",
        Entities = entities,
        Phase = phase,
        Plan = plan,
        Files = new FileManifest { GenerationId = "demo", Files = [] },
        Mode = new GenerationModeAssignment("classic"),
    };

    private static async Task<List<GeneratedFile>> GenerateAsync(PhaseContext context)
    {
        var files = new List<GeneratedFile>();
        await foreach (var file in Generator.GenerateAsync(context))
        {
            files.Add(file);
        }

        return files;
    }
}
