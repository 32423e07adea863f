using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Client.Tests.Arguments;

/// <summary>
/// Bad arguments to the diff, fork and revert calls are refused before any request, naming the parameter (and the entry
/// of a path list). The client points at a port where nothing listens: a request that did go out would fail differently.
/// </summary>
public sealed class DiffForkRevertArgumentTests : IDisposable
{
    private static readonly string OtherId = TestEvents.NewId();
    private static readonly GenerationHandle Handle = new(TestEvents.NewId(), "read") { ControlToken = "control" };
    private readonly HttpClient _http = new() { BaseAddress = Watching.WatchCancellationTests.ClosedPort() };
    private readonly IterationClient _client;

    public DiffForkRevertArgumentTests() => _client = new IterationClient(_http);

    public void Dispose() => _http.Dispose();

    /// <summary>What the server's state reference parser refuses: blank, over 256 characters, a bad phase, not an id.</summary>
    public static TheoryData<string?> MalformedReferences =>
    [
        null, string.Empty, " ", "phase:", "phase:x", "phase:01", "phase:-1", "phase:+1", "phase:12345", "phase: 1", "Phase:1",
        "../other", "a/b", "id with space", "id%2F", "ünïcode", new string('a', 129), "phase:" + new string('1', 251),
    ];

    public static TheoryData<string[]> BadPathLists =>
    [
        [string.Empty], [" "], ["/etc/passwd"], ["src//a.cs"], ["src/./a.cs"], ["../a.cs"], ["src/.."], ["a.cs/"],
    ];

    [Theory]
    [MemberData(nameof(MalformedReferences))]
    public async Task DiffAsync_AgainstMalformed_ThrowsArgumentExceptionNamingAgainst(string? against)
    {
        var act = () => _client.DiffAsync(Handle, against!);

        (await act.Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("against");
    }

    [Theory]
    [InlineData("phase:0")]
    [InlineData("phase:9999")]
    public async Task DiffAsync_AgainstAWellFormedPhase_PassesTheChecksAndReachesTheNetwork(string against)
    {
        var act = () => _client.DiffAsync(Handle, against);

        await act.Should().ThrowAsync<HttpRequestException>();
    }

    [Fact]
    public async Task DiffAsync_NullHandle_ThrowsArgumentNullException()
    {
        var act = () => _client.DiffAsync((GenerationHandle)null!, OtherId);

        (await act.Should().ThrowAsync<ArgumentNullException>()).Which.ParamName.Should().Be("handle");
    }

    [Theory]
    [InlineData("")]
    [InlineData("two words")]
    [InlineData("line\r\nX-Evil: 1")]
    [InlineData("tökén")]
    public async Task DiffAsync_AgainstTokenNotPrintableAscii_ThrowsArgumentExceptionNamingIt(string againstToken)
    {
        var act = () => _client.DiffAsync(Handle, OtherId, againstToken);

        (await act.Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("againstToken");
    }

    [Fact]
    public async Task DiffAsync_AgainstTokenWithAPhase_ThrowsArgumentExceptionNamingIt()
    {
        var act = () => _client.DiffAsync(Handle, "phase:1", "other-read-token");

        (await act.Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("againstToken");
    }

    [Theory]
    [InlineData("", "token")]
    [InlineData("../archive", "token")]
    [InlineData("ok", "")]
    [InlineData("ok", "bad token")]
    public async Task DiffAsync_IdOrTokenNotValid_ThrowsArgumentException(string generationId, string token)
    {
        var act = () => _client.DiffAsync(generationId, token, "phase:1");

        await act.Should().ThrowAsync<ArgumentException>();
    }

    [Theory]
    [MemberData(nameof(MalformedReferences))]
    public async Task DiffPatchAsync_AgainstMalformed_ThrowsArgumentExceptionNamingAgainst(string? against)
    {
        var act = () => _client.DiffPatchAsync(Handle, against!);

        (await act.Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("against");
    }

    [Fact]
    public async Task DiffPatchAsync_NullHandle_ThrowsArgumentNullException()
    {
        var act = () => _client.DiffPatchAsync((GenerationHandle)null!, "phase:0");

        (await act.Should().ThrowAsync<ArgumentNullException>()).Which.ParamName.Should().Be("handle");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public async Task ForkAsync_FromPhaseBelowOne_ThrowsArgumentOutOfRangeException(int fromPhase)
    {
        var act = () => _client.ForkAsync(Handle, fromPhase);

        (await act.Should().ThrowAsync<ArgumentOutOfRangeException>()).Which.ParamName.Should().Be("fromPhase");
    }

    [Fact]
    public async Task ForkAsync_NullHandle_ThrowsArgumentNullException()
    {
        var act = () => _client.ForkAsync(null!, 1);

        (await act.Should().ThrowAsync<ArgumentNullException>()).Which.ParamName.Should().Be("handle");
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \t\n")]
    public async Task ForkAsync_PromptEmptyOrBlank_ThrowsArgumentExceptionNamingIt(string prompt)
    {
        var act = () => _client.ForkAsync(Handle, 1, prompt);

        (await act.Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("modificationPrompt");
    }

    [Fact]
    public async Task ForkAsync_ReviewPhaseBelowOne_ThrowsArgumentExceptionNamingReview()
    {
        var act = () => _client.ForkAsync(Handle, 1, review: new ReviewRequest { AfterPhases = PhaseSelection.Of(0) });

        (await act.Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("review");
    }

    [Fact]
    public async Task ForkAsync_BudgetBelowOne_ThrowsArgumentOutOfRangeExceptionNamingTheField()
    {
        var act = () => _client.ForkAsync(Handle, 1, budget: new GenerationBudget { MaxTotalTokens = 0 });

        (await act.Should().ThrowAsync<ArgumentOutOfRangeException>()).WithMessage("*budget.max_total_tokens*");
    }

    [Fact]
    public async Task RevertAsync_NullHandle_ThrowsArgumentNullException()
    {
        var act = () => _client.RevertAsync(null!, ["a.cs"], "phase:0");

        (await act.Should().ThrowAsync<ArgumentNullException>()).Which.ParamName.Should().Be("handle");
    }

    [Fact]
    public async Task RevertAsync_NullPaths_ThrowsArgumentNullException()
    {
        var act = () => _client.RevertAsync(Handle, null!, "phase:0");

        (await act.Should().ThrowAsync<ArgumentNullException>()).Which.ParamName.Should().Be("paths");
    }

    [Fact]
    public async Task RevertAsync_NoPaths_ThrowsArgumentExceptionNamingPaths()
    {
        var act = () => _client.RevertAsync(Handle, [], "phase:0");

        (await act.Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("paths");
    }

    [Theory]
    [MemberData(nameof(BadPathLists))]
    public async Task RevertAsync_PathMalformed_ThrowsArgumentExceptionNamingTheEntry(string[] bad)
    {
        string[] paths = ["src/App.cs", .. bad];

        var act = () => _client.RevertAsync(Handle, paths, "phase:0");

        var thrown = (await act.Should().ThrowAsync<ArgumentException>()).Which;
        thrown.ParamName.Should().Be("paths");
        thrown.Message.Should().StartWith("paths[1] ");
    }

    [Fact]
    public async Task RevertAsync_NullPathEntry_ThrowsArgumentExceptionNamingTheEntry()
    {
        var act = () => _client.RevertAsync(Handle, ["a.cs", null!], "phase:0");

        (await act.Should().ThrowAsync<ArgumentException>()).WithMessage("paths[1] is null, empty or white space.*");
    }

    [Fact]
    public async Task RevertAsync_PathRepeated_ThrowsArgumentExceptionNamingBothEntries()
    {
        var act = () => _client.RevertAsync(Handle, ["a.cs", "b.cs", "c.cs", "b.cs"], "phase:0");

        (await act.Should().ThrowAsync<ArgumentException>()).WithMessage("paths[3] repeats paths[1] ('b.cs')*");
    }

    [Fact]
    public async Task RevertAsync_HostileLongPath_IsEchoedCut()
    {
        var hostile = "../" + new string('x', 10_000);

        var act = () => _client.RevertAsync(Handle, [hostile], "phase:0");

        (await act.Should().ThrowAsync<ArgumentException>()).Which.Message.Length.Should().BeLessThan(300);
    }

    [Theory]
    [MemberData(nameof(MalformedReferences))]
    public async Task RevertAsync_ToMalformed_ThrowsArgumentExceptionNamingTo(string? to)
    {
        var act = () => _client.RevertAsync(Handle, ["a.cs"], to!);

        (await act.Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("to");
    }
}
