using System.Net;
using Iteration.Streaming.Client.Tests.Infrastructure;

namespace Iteration.Streaming.Client.Tests.Generations;

/// <summary>
/// Every per-generation call with a forged, tampered or foreign token, or for an unknown generation, throws
/// <see cref="IterationApiException"/> with the server's Problem Details, and is not retried. Reads send the handle's
/// read token, actions (iterate, cancel, retry, input) its control token; the handles here carry the same kind of bad token in both.
/// </summary>
public sealed class GenerationAccessTests : IAsyncLifetime
{
    private readonly StreamFaults _faults = new();
    private KestrelTestHost _host = null!;
    private IterationClient _client = null!;
    private GenerationHandle _finished = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(configureApp: _faults.MapWithFaults);
        _client = _host.CreateIterationClient(TestClients.Patient());
        _finished = await _client.StartAsync("Build a task app", ["User"]);
        await _client.WatchAsync(_finished).CollectAsync();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public static TheoryData<string> Operations => ["watch", "snapshot", "files", "file", "archive", "cancel", "iterate", "retry", "input"];

    /// <summary>A handle whose read and control tokens are both <paramref name="token"/>.</summary>
    private static GenerationHandle With(string id, string token) => new(id, token) { ControlToken = token };

    private async Task CallAsync(string operation, GenerationHandle handle)
    {
        switch (operation)
        {
            case "watch":
                await _client.WatchAsync(handle).CollectAsync();
                break;
            case "snapshot":
                await _client.GetSnapshotAsync(handle);
                break;
            case "files":
                await _client.ListFilesAsync(handle);
                break;
            case "file":
                await (await _client.DownloadFileAsync(handle, InstantPhaseGenerator.PathOf(1, 1))).DisposeAsync();
                break;
            case "archive":
                await (await _client.DownloadArchiveAsync(handle)).DisposeAsync();
                break;
            case "cancel":
                await _client.CancelAsync(handle);
                break;
            case "iterate":
                await _client.IterateAsync(handle, "Add due dates");
                break;
            case "retry":
                await _client.RetryAsync(handle);
                break;
            case "input":
                await _client.InstructAsync(handle, "Use PostgreSQL");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(operation));
        }
    }

    private async Task<IterationApiException> ShouldFailAsync(string operation, GenerationHandle handle, HttpStatusCode status)
    {
        var requestsBefore = _faults.StreamRequests;
        var act = () => CallAsync(operation, handle);

        var thrown = (await act.Should().ThrowAsync<IterationApiException>()).Which;
        thrown.StatusCode.Should().Be(status);
        thrown.Problem.Should().NotBeNull();
        thrown.Problem!.Status.Should().Be((int)status);
        thrown.Problem.Detail.Should().NotBeNullOrWhiteSpace();
        thrown.Message.Should().Contain(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture)).And.Contain(thrown.Problem.Detail);
        (_faults.StreamRequests - requestsBefore).Should().BeLessThanOrEqualTo(1, "such an error is not retried");
        return thrown;
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task Call_ForgedToken_Throws401(string operation)
    {
        await ShouldFailAsync(operation, With(_finished.GenerationId, "Zm9yZ2Vk.dG9rZW4"), HttpStatusCode.Unauthorized);
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task Call_TamperedSignature_Throws401(string operation)
    {
        var token = _finished.ControlToken!;
        var tampered = token[..^2] + (token[^2] == 'A' ? "B" : "A") + token[^1];

        var thrown = await ShouldFailAsync(operation, With(_finished.GenerationId, tampered), HttpStatusCode.Unauthorized);

        thrown.Problem!.Detail.Should().Contain("signature");
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task Call_TokenOfAnotherGeneration_Throws403(string operation)
    {
        var other = await _client.StartAsync("Another app");

        await ShouldFailAsync(operation, new GenerationHandle(_finished.GenerationId, other.Token) { ControlToken = other.ControlToken }, HttpStatusCode.Forbidden);
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task Call_UnknownGenerationWithGenuineTokens_Throws401(string operation)
    {
        // A generation the server does not know has no valid token: the answer never says whether it exists.
        var unknown = TestEvents.NewId();
        var handle = new GenerationHandle(unknown, _host.Tokens.IssueToken(unknown)) { ControlToken = _host.Tokens.IssueToken(unknown, Security.StreamTokenScope.Control) };

        var thrown = await ShouldFailAsync(operation, handle, HttpStatusCode.Unauthorized);

        thrown.Problem!.Detail.Should().Contain("expired");
    }

    [Theory]
    [InlineData("cancel")]
    [InlineData("iterate")]
    [InlineData("retry")]
    [InlineData("input")]
    public async Task Action_HandleWithoutAControlToken_Throws401NamingIt(string operation)
    {
        var thrown = await ShouldFailAsync(operation, new GenerationHandle(_finished.GenerationId, _finished.Token), HttpStatusCode.Unauthorized);

        thrown.Problem!.Detail.Should().Contain("control_token");
    }

    [Theory]
    [InlineData("cancel")]
    [InlineData("iterate")]
    [InlineData("retry")]
    [InlineData("input")]
    public async Task Action_ReadTokenPassedAsTheControlToken_Throws403(string operation)
    {
        var thrown = await ShouldFailAsync(operation, With(_finished.GenerationId, _finished.Token), HttpStatusCode.Forbidden);

        thrown.Problem!.Detail.Should().Contain("only reads");
    }
}
