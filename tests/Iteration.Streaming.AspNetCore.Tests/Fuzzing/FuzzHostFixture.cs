using Iteration.Streaming.Contracts;
using Iteration.Streaming.Security;

namespace Iteration.Streaming.AspNetCore.Tests.Fuzzing;

/// <summary>
/// One host for the fuzzing properties, with small limits so oversized inputs are cheap, and two finished generations
/// whose genuine tokens the generators mix in among hostile ones.
/// </summary>
public sealed class FuzzHostFixture : IAsyncLifetime
{
    public KestrelTestHost Host { get; private set; } = null!;

    /// <summary>A client whose every request gives up after a bound: a hang fails the property instead of the run.</summary>
    public HttpClient Client { get; private set; } = null!;

    public GenerationStartedResponse Finished { get; private set; } = null!;

    public GenerationStartedResponse Other { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await KestrelTestHost.StartAsync(o =>
        {
            o.MaxPromptLength = 200;
            o.MaxEntities = 5;
            o.MaxEntityNameLength = 20;
            o.MaxConcurrentGenerations = 8;
            o.MaxQueuedGenerations = 100_000;
        });
        Client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false })
        {
            BaseAddress = Host.BaseAddress,
            Timeout = TimeSpan.FromSeconds(20),
        };

        var setup = Host.CreateClient();
        Finished = await FinishedAsync(setup);
        Other = await FinishedAsync(setup);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
    }

    /// <summary>A genuine token of a finished generation: its read or control token, or another generation's.</summary>
    public IReadOnlyList<string> GenuineTokens => [Finished.SseToken, Finished.ControlToken!, Other.SseToken, Other.ControlToken!, Host.Tokens.IssueToken(Guid.NewGuid().ToString(), StreamTokenScope.Control)];

    private async Task<GenerationStartedResponse> FinishedAsync(HttpClient client)
    {
        var started = await Host.StartGenerationAsync(client);
        using var stream = await client.GetStreamAsync(started.GenerationId, started.SseToken);
        await stream.ReadAllEventsAsync().WithPatience();
        return started;
    }
}
