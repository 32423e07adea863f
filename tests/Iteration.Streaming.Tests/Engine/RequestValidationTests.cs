using Iteration.Streaming.Engine;

namespace Iteration.Streaming.Tests.Engine;

public sealed class RequestValidationTests
{
    private static EngineHarness Limited() => EngineHarness.Create(configure: o =>
    {
        o.MaxPromptLength = 100;
        o.MaxEntities = 3;
        o.MaxEntityNameLength = 10;
    });

    public static TheoryData<string?, string[]?, string> InvalidStarts => new()
    {
        { null, null, "'prompt' is required." },
        { "", null, "'prompt' must not be empty." },
        { "   \n\t", null, "'prompt' must not be empty." },
        { new string('p', 101), null, "'prompt' is 101 characters long; the limit is 100 (IterationStreaming:MaxPromptLength)." },
        { "null\0byte", null, "'prompt' contains the control character U+0000 at index 4." },
        { "bell\u0007", null, "'prompt' contains the control character U+0007 at index 4." },
        { "ok", ["A", "B", "C", "D"], "'entities' has 4 items; the limit is 3 (IterationStreaming:MaxEntities)." },
        { "ok", [""], "'entities[0]' is empty; an entity needs a name." },
        { "ok", ["User", "  "], "'entities[1]' is empty; an entity needs a name." },
        { "ok", [null!], "'entities[0]' is empty; an entity needs a name." },
        { "ok", ["VeryLongName"], "'entities[0]' is 12 characters long; the limit is 10 (IterationStreaming:MaxEntityNameLength)." },
        { "ok", [" User"], "'entities[0]' starts or ends with whitespace." },
        { "ok", ["Us\ner"], "'entities[0]' contains the character U+000A at index 2, which is not allowed in a name." },
        { "ok", ["User", "user"], "'entities' names 'user' more than once." },
        { "ok", ["Us\u202Eer"], "'entities[0]' contains the character U+202E at index 2, which is not allowed in a name." },
    };

    [Theory]
    [MemberData(nameof(InvalidStarts))]
    public async Task StartAsync_InvalidRequest_ThrowsNamingTheFieldAndLimit(string? prompt, string[]? entities, string message)
    {
        await using var harness = Limited();

        var act = async () => await harness.Engine.StartAsync(new GenerationRequest(prompt!, entities));

        (await act.Should().ThrowAsync<InvalidGenerationRequestException>()).Which.Message.Should().Be(message);
    }

    [Theory]
    [MemberData(nameof(InvalidStarts))]
    public async Task RunAsync_InvalidRequest_ThrowsTheSame(string? prompt, string[]? entities, string message)
    {
        await using var harness = Limited();

        var act = async () => await harness.Engine.RunAsync(new GenerationRequest(prompt!, entities)).ToListAsync();

        (await act.Should().ThrowAsync<InvalidGenerationRequestException>()).Which.Message.Should().Be(message);
    }

    [Fact]
    public async Task StartAsync_AtEveryLimit_IsAccepted()
    {
        await using var harness = Limited();

        var id = await harness.Engine.StartAsync(new GenerationRequest(new string('p', 99) + "\n", ["Abcdefghij", "B", "Café 😀"]));

        (await harness.ReadToEndAsync(id))[^1].Status.Should().Be("completed");
    }

    [Fact]
    public async Task StartAsync_InvalidRequest_StartsNothing()
    {
        await using var harness = Limited();

        var act = async () => await harness.Engine.StartAsync(new GenerationRequest(""));

        await act.Should().ThrowAsync<InvalidGenerationRequestException>();
        harness.Internal.RunningCount.Should().Be(0);
        harness.Generator.Calls.Should().BeEmpty();
    }

    [Fact]
    public async Task StartAsync_NullRequest_Throws()
    {
        await using var harness = Limited();

        var act = async () => await harness.Engine.StartAsync(null!);

        await act.Should().ThrowAsync<ArgumentNullException>();
    }

    public static TheoryData<string?, string?, string> InvalidIterations => new()
    {
        { null, "change", "'parent_generation_id' is required." },
        { "", "change", "'parent_generation_id' is required." },
        { "../../etc/passwd", "change", "'parent_generation_id' must be a generation id: 1 to 128 ASCII letters, digits, '-' or '_'." },
        { "a b", "change", "'parent_generation_id' must be a generation id: 1 to 128 ASCII letters, digits, '-' or '_'." },
        { new string('a', 129), "change", "'parent_generation_id' must be a generation id: 1 to 128 ASCII letters, digits, '-' or '_'." },
        { "e96b74bc-aba8-4837-bb43-237fd687d18b", null, "'modification_prompt' is required." },
        { "e96b74bc-aba8-4837-bb43-237fd687d18b", " ", "'modification_prompt' must not be empty." },
        { "e96b74bc-aba8-4837-bb43-237fd687d18b", new string('m', 101), "'modification_prompt' is 101 characters long; the limit is 100 (IterationStreaming:MaxPromptLength)." },
        { "e96b74bc-aba8-4837-bb43-237fd687d18b", "esc\u001b[31m", "'modification_prompt' contains the control character U+001B at index 3." },
    };

    [Theory]
    [MemberData(nameof(InvalidIterations))]
    public async Task IterateAsync_InvalidRequest_ThrowsNamingTheField(string? parent, string? modification, string message)
    {
        await using var harness = Limited();

        var act = async () => await harness.Engine.IterateAsync(new IterationRequest(parent!, modification!));

        (await act.Should().ThrowAsync<InvalidGenerationRequestException>()).Which.Message.Should().Be(message);
    }

    [Fact]
    public async Task IterateAsync_NullRequest_Throws()
    {
        await using var harness = Limited();

        var act = async () => await harness.Engine.IterateAsync(null!);

        await act.Should().ThrowAsync<ArgumentNullException>();
    }

    [Fact]
    public async Task StartAsync_EntitiesChangedByTheCallerAfterwards_DoNotAffectTheRun()
    {
        await using var harness = EngineHarness.Create();
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0);
        var entities = new List<string> { "User" };

        var id = await harness.Engine.StartAsync(new GenerationRequest("x", entities));
        entities.Add("Sneaky");
        gate.Release();
        var events = await harness.ReadToEndAsync(id);

        events.Single(e => e.Stage == "phased_generation_started").PhaseInfo!.EntitiesCount.Should().Be(1);
    }
}
