using System.Net;
using Iteration.Streaming.Client.Tests.Infrastructure;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Records;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Client.Tests.Requests;

/// <summary>
/// Retry through the client, and the actions on a host that authorises by ownership: without a control token the
/// client sends no Authorization of its own, so the HttpClient's own credentials (here a header) reach the resolver.
/// </summary>
public sealed class RetryAndOwnershipTests : IAsyncLifetime
{
    private const string UserHeader = "X-Test-User";

    private readonly ControlledPhaseGenerator _generator = new();
    private KestrelTestHost _host = null!;
    private IterationClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(
            generator: _generator,
            configureStreaming: b => b.AddGenerationOwnerResolver(context => ValueTask.FromResult<string?>(context.Request.Headers[UserHeader].ToString())));
        _client = _host.CreateIterationClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<GenerationHandle> FailedAsync()
    {
        var handle = await _client.StartAsync("Build a task app", ["User"]);
        var watching = _client.WatchAsync(handle).CollectAsync();
        (await _generator.NextPhaseAsync()).Yield("src/App.cs", "class App {}").Complete();
        (await _generator.NextPhaseAsync()).Fail(new GenerationFailedException("the model gave up"));
        (await watching)[^1].Status.Should().Be(GenerationStatus.Failed);
        return handle;
    }

    [Fact]
    public async Task RetryAsync_FailedGeneration_ReturnsTheNewGenerationsHandle()
    {
        var failed = await FailedAsync();

        var retry = await _client.RetryAsync(failed);

        retry.GenerationId.Should().NotBe(failed.GenerationId);
        retry.RetryOf.Should().Be(failed.GenerationId);
        retry.ControlToken.Should().NotBeNullOrWhiteSpace();
        (await _client.GetSnapshotAsync(retry)).RetryOf.Should().Be(failed.GenerationId);
    }

    [Fact]
    public async Task RetryAsync_RunningGeneration_Throws409()
    {
        var running = await _client.StartAsync("Build a task app");
        var phase = await _generator.NextPhaseAsync();

        var act = () => _client.RetryAsync(running);

        (await act.Should().ThrowAsync<IterationApiException>()).Which.StatusCode.Should().Be(HttpStatusCode.Conflict);
        phase.Complete();
    }

    [Fact]
    public async Task RetryAsync_WithoutAControlToken_Throws401()
    {
        var failed = await FailedAsync();

        var act = () => _client.RetryAsync(new GenerationHandle(failed.GenerationId, failed.Token));

        (await act.Should().ThrowAsync<IterationApiException>()).Which.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task RetryAsync_HandleForOwnerWithARaisedBudget_IsAuthorisedByOwnership()
    {
        var http = _host.CreateClient();
        http.DefaultRequestHeaders.Add(UserHeader, "alice");
        var alice = new IterationClient(http);
        var started = await alice.StartAsync("Build a task app", ["User"]);
        var watching = alice.WatchAsync(started).CollectAsync();
        (await _generator.NextPhaseAsync()).Yield("src/App.cs", "class App {}").Complete();
        (await _generator.NextPhaseAsync()).Fail(new GenerationFailedException("the model gave up"));
        (await watching)[^1].Status.Should().Be(GenerationStatus.Failed);
        var owned = GenerationHandle.ForOwner(started.GenerationId);

        var strangersTry = () => _client.RetryAsync(owned, review: null, new GenerationBudget { MaxTotalTokens = 50_000 });
        var retry = await alice.RetryAsync(owned, review: null, new GenerationBudget { MaxTotalTokens = 50_000 });

        (await strangersTry.Should().ThrowAsync<IterationApiException>()).Which.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        retry.RetryOf.Should().Be(started.GenerationId);
        await alice.CancelAsync(GenerationHandle.ForOwner(retry.GenerationId));
    }

    [Fact]
    public async Task CancelAsync_OwnersClientWithoutAControlToken_IsAuthorisedByOwnership()
    {
        var id = Guid.NewGuid().ToString();
        await _host.EventLog.CreateAsync(id);
        await _host.Records.AddAsync(new GenerationRecord
        {
            GenerationId = id,
            Prompt = "x",
            Entities = [],
            UserId = "alice",
            Status = GenerationStatus.Processing,
            CreatedAt = _host.Now,
        });
        var http = _host.CreateClient();
        http.DefaultRequestHeaders.Add(UserHeader, "alice");
        var alice = new IterationClient(http);
        var stranger = _host.CreateIterationClient();
        var handle = new GenerationHandle(id, _host.Tokens.IssueToken(id));

        var act = () => stranger.CancelAsync(handle);

        (await act.Should().ThrowAsync<IterationApiException>()).Which.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await alice.CancelAsync(handle)).Should().BeTrue();
        (await _host.Records.GetAsync(id))!.Status.Should().Be(GenerationStatus.Cancelled);
    }
}
