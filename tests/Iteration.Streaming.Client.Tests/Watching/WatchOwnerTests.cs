using System.Net;
using Iteration.Streaming.Client.Tests.Infrastructure;
using Iteration.Streaming.Events;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Client.Tests.Watching;

/// <summary>
/// The signed-in owner's stream (<c>GET /generations/stream?owner=me</c>) on the real server: the HttpClient's own
/// credentials (here a header the owner resolver reads) name the owner, a generation started after the stream opened
/// joins it from its first event, and the stream does not end on its own.
/// </summary>
public sealed class WatchOwnerTests : IAsyncLifetime
{
    private KestrelTestHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await KestrelTestHost.StartAsync(
            o =>
            {
                o.RetryInterval = TimeSpan.FromMilliseconds(1);
                o.MaxMultiplexedStreamsPerOwner = 1;
            },
            configureStreaming: b => b.AddGenerationOwnerResolver(c => ValueTask.FromResult(UserOf(c))));

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string? UserOf(HttpContext context) =>
        context.Request.Headers[RecordedRequests.UserHeader].ToString() is { Length: > 0 } user ? user : null;

    private IterationClient SignedIn(string user, IterationClientOptions? options = null)
    {
        var http = _host.CreateClient();
        http.DefaultRequestHeaders.Add(RecordedRequests.UserHeader, user);
        return new IterationClient(http, options ?? TestClients.Patient());
    }

    [Fact]
    public async Task WatchOwnerAsync_GenerationStartedAfterConnecting_JoinsFromItsFirstEventToItsEnd()
    {
        var alice = SignedIn("alice");
        var before = await _host.CreateGenerationAsync(progressEvents: 2, ended: false, owner: "alice");
        using var stop = new CancellationTokenSource();
        await using var watching = alice.WatchOwnerAsync(cancellationToken: stop.Token).GetAsyncEnumerator();

        // The live generation's latest event comes first: the stream is open and the owner's generations followed.
        (await watching.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue();
        watching.Current.GenerationId.Should().Be(before.GenerationId);
        var started = await alice.StartAsync("A task tracker", ["User", "Task"]);
        var seen = new List<StreamingProgressEvent>();
        while (await watching.MoveNextAsync().AsTask().WithPatience())
        {
            if (watching.Current.GenerationId == started.GenerationId)
            {
                seen.Add(watching.Current);
                if (watching.Current.IsTerminal)
                {
                    break;
                }
            }
        }

        seen.Select(e => e.ToWire()).Should().Equal(await _host.LoggedEventsAsync(started.GenerationId));
        seen[^1].Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public async Task WatchOwnerAsync_AnotherUsersGeneration_IsNotSeen()
    {
        var alice = SignedIn("alice");
        await _host.CreateGenerationAsync(progressEvents: 1, ended: false, owner: "bob");
        var own = await _host.CreateGenerationAsync(progressEvents: 1, ended: false, owner: "alice");
        using var stop = new CancellationTokenSource();
        await using var watching = alice.WatchOwnerAsync(new WatchManyOptions { From = WatchManyFrom.Start }, stop.Token).GetAsyncEnumerator();

        (await watching.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue();
        watching.Current.GenerationId.Should().Be(own.GenerationId);
        await _host.EndGenerationAsync(TestEvents.Completed(own.GenerationId) with { Timestamp = _host.Now });
        (await watching.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue();

        watching.Current.GenerationId.Should().Be(own.GenerationId);
        watching.Current.Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public async Task WatchOwnerAsync_Anonymous_ThrowsUnauthorizedWithTheServersDetail()
    {
        var anonymous = _host.CreateIterationClient(TestClients.Patient());

        var act = () => anonymous.WatchOwnerAsync().CollectAsync();

        var error = (await act.Should().ThrowAsync<IterationApiException>()).Which;
        error.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        error.Problem.Should().NotBeNull();
    }

    [Fact]
    public async Task WatchOwnerAsync_TamperedCursor_ThrowsBadRequest()
    {
        var act = () => SignedIn("alice").WatchOwnerAsync(new WatchManyOptions { LastEventId = "not-a-cursor-of-this-server" }).CollectAsync();

        (await act.Should().ThrowAsync<IterationApiException>()).Which.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task WatchOwnerAsync_MoreStreamsThanTheOwnerMayOpen_RetriesThe429ThenGivesUpCarryingIt()
    {
        await _host.CreateGenerationAsync(progressEvents: 1, ended: false, owner: "alice");
        using var stop = new CancellationTokenSource();
        await using var first = SignedIn("alice").WatchOwnerAsync(cancellationToken: stop.Token).GetAsyncEnumerator();
        (await first.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue();
        var second = SignedIn("alice", new IterationClientOptions { MaxConsecutiveFailures = 0 });

        var act = () => second.WatchOwnerAsync().CollectAsync();

        var error = (await act.Should().ThrowAsync<IterationStreamException>()).Which;
        var tooMany = error.InnerException.Should().BeOfType<IterationApiException>().Which;
        tooMany.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        tooMany.Problem!.Detail.Should().NotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task WatchOwnerAsync_HostWithoutAnOwnerResolver_ThrowsNotFound()
    {
        await using var host = await KestrelTestHost.StartAsync();
        var http = host.CreateClient();
        http.DefaultRequestHeaders.Add(RecordedRequests.UserHeader, "alice");

        var act = () => new IterationClient(http).WatchOwnerAsync().CollectAsync();

        (await act.Should().ThrowAsync<IterationApiException>()).Which.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }
}
