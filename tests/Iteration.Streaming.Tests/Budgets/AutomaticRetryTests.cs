using System.Net;
using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.TestUtilities;
using Iteration.Streaming.Tests.Engine;

namespace Iteration.Streaming.Tests.Budgets;

/// <summary>
/// A transient failure (the model unavailable) is retried as the same generation from its last saved phase after a
/// backoff on the host's clock, announced by a <c>resumed</c> event; a permanent one fails at once.
/// </summary>
public sealed class AutomaticRetryTests
{
    private static readonly string[] Entities = ["User"];

    [Fact]
    public async Task ModelUnavailableTwiceThenWorking_CompletesAsTheSameGeneration_WithTwoResumedEvents_AndNoSavedPhaseAskedAgain()
    {
        await using var harness = EngineHarness.Create();
        FailPhase(harness, phase: 3, times: 2, () => new TransientGenerationException("Model unavailable (HTTP 503)"));
        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", Entities));

        await WaitForRetryAsync(harness, id, count: 1);
        harness.Clock.Advance(TimeSpan.FromMinutes(1));
        await WaitForRetryAsync(harness, id, count: 2);
        harness.Clock.Advance(TimeSpan.FromMinutes(1));
        var events = await harness.ReadToEndAsync(id);
        var record = await harness.Engine.GetRecordAsync(id);

        events[^1].Status.Should().Be(GenerationStatus.Completed);
        var retries = events.Where(e => e.Stage == GenerationStages.Resumed).Select(e => e.Message).ToList();
        retries.Should().HaveCount(2);
        retries[0].Should().MatchRegex(@"^Model unavailable \(HTTP 503\); retrying phase 3 in [12] s, attempt 2 of 3$");
        retries[1].Should().MatchRegex(@"^Model unavailable \(HTTP 503\); retrying phase 3 in [2-4] s, attempt 3 of 3$");
        harness.Generator.Calls.Count(c => c.Phase.Number == 1).Should().Be(1);
        harness.Generator.Calls.Count(c => c.Phase.Number == 2).Should().Be(1);
        harness.Generator.Calls.Count(c => c.Phase.Number == 3).Should().Be(3);
        events.Select(e => e.Progress).Should().BeInAscendingOrder();
        events.Should().ContainSingle(e => e.Stage == GenerationStages.Initializing);
        record!.AutoRetries.Should().Be(2);
        record.RetryAt.Should().BeNull();
    }

    [Fact]
    public async Task BeforeTheBackoffHasPassed_NothingRuns()
    {
        await using var harness = EngineHarness.Create(configure: o => o.Retries.InitialDelay = TimeSpan.FromSeconds(20));
        FailPhase(harness, phase: 2, times: 1, () => new HttpRequestException("unavailable", null, HttpStatusCode.BadGateway));
        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", Entities));

        var announced = await WaitForRetryAsync(harness, id, count: 1);
        harness.Clock.Advance(TimeSpan.FromSeconds(9));
        var callsAfterNineSeconds = harness.Generator.Calls.Count(c => c.Phase.Number == 2);
        harness.Clock.Advance(TimeSpan.FromSeconds(11));
        var events = await harness.ReadToEndAsync(id);

        announced.Message.Should().MatchRegex(@"^Model unavailable \(HTTP 502\); retrying phase 2 in (1\d|20) s, attempt 2 of 3$");
        callsAfterNineSeconds.Should().Be(1, "the backoff is at least half of 20 s");
        events[^1].Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public async Task RetryAfter_IsWaitedAtLeast()
    {
        await using var harness = EngineHarness.Create();
        FailPhase(harness, phase: 1, times: 1, () => new TransientGenerationException("Model rate-limited (HTTP 429)", TimeSpan.FromSeconds(30)));
        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", Entities));

        var announced = await WaitForRetryAsync(harness, id, count: 1);
        harness.Clock.Advance(TimeSpan.FromSeconds(30));
        var events = await harness.ReadToEndAsync(id);

        announced.Message.Should().Be("Model rate-limited (HTTP 429); retrying phase 1 in 30 s, attempt 2 of 3");
        events[^1].Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public async Task RetryAfterLongerThanMaxDelay_FailsAtOnceWithTheCause()
    {
        await using var harness = EngineHarness.Create();
        FailPhase(harness, phase: 1, times: 1, () => new TransientGenerationException("Model rate-limited (HTTP 429)", TimeSpan.FromHours(2)));

        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", Entities));
        var events = await harness.ReadToEndAsync(id);

        events.Should().NotContain(e => e.Stage == GenerationStages.Resumed);
        events[^1].Should().Match<StreamingProgressEvent>(e => e.Status == GenerationStatus.Failed && e.Error!.StartsWith("Model rate-limited (HTTP 429)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.Unauthorized)]
    public async Task PermanentModelErrors_AreNotRetried(HttpStatusCode status)
    {
        await using var harness = EngineHarness.Create();
        FailPhase(harness, phase: 1, times: 1, () => new HttpRequestException("refused", null, status));

        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", Entities));
        var events = await harness.ReadToEndAsync(id);

        events.Should().NotContain(e => e.Stage == GenerationStages.Resumed);
        events[^1].Status.Should().Be(GenerationStatus.Failed);
        harness.Generator.Calls.Should().HaveCount(1);
    }

    [Fact]
    public async Task AfterTheLastAttempt_FailsNamingTheCauseAndTheAttempts()
    {
        await using var harness = EngineHarness.Create(configure: o => o.Retries.MaxAttempts = 2);
        FailPhase(harness, phase: 2, times: 5, () => new TimeoutException("slow"));
        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", Entities));

        await WaitForRetryAsync(harness, id, count: 1);
        harness.Clock.Advance(TimeSpan.FromMinutes(1));
        var events = await harness.ReadToEndAsync(id);

        events[^1].Should().Match<StreamingProgressEvent>(e => e.Status == GenerationStatus.Failed && e.Error == "Model timed out (gave up after 2 attempts)");
        (await harness.Engine.GetRecordAsync(id))!.PhasesSaved.Should().Be(1, "phase 1 stays saved: a retry of the generation goes on from it");
    }

    [Fact]
    public async Task CancelDuringTheBackoff_EndsItCancelled_AndTheDueRetryDoesNothing()
    {
        await using var harness = EngineHarness.Create();
        FailPhase(harness, phase: 1, times: 1, () => new TransientGenerationException("Model unavailable (HTTP 503)"));
        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", Entities));
        await WaitForRetryAsync(harness, id, count: 1);

        var cancelled = await harness.Engine.CancelAsync(id);
        harness.Clock.Advance(TimeSpan.FromMinutes(1));
        var events = await harness.ReadToEndAsync(id);

        cancelled.Should().BeTrue();
        events[^1].Status.Should().Be(GenerationStatus.Cancelled);
        harness.Generator.Calls.Should().HaveCount(1);
        harness.Internal.Retries.Count.Should().Be(0);
    }

    [Fact]
    public async Task ARestartDuringTheBackoff_ResumesAndWaitsWhatIsLeftOfIt()
    {
        var stores = new SharedStores();
        string id;
        await using (var before = EngineHarness.Create(build: stores.Register))
        {
            FailPhase(before, phase: 2, times: 1, () => new TransientGenerationException("Model unavailable (HTTP 503)"));
            id = await before.Engine.StartAsync(new GenerationRequest("Build a todo app", Entities));
            await WaitForRetryAsync(before, id, count: 1);
        }

        await using var after = EngineHarness.Create(build: stores.Register);
        var resumed = await after.Internal.Recovery.ResumeInterruptedAsync(CancellationToken.None);
        var waiting = after.Internal.Retries.Count;
        var callsBeforeTheWait = after.Generator.Calls.Count;
        after.Clock.Advance(TimeSpan.FromMinutes(1));
        await using var subscription = await stores.Log.SubscribeAsync(id);
        var entries = await subscription.ReadAllAsync().ToListAsync().AsTask().WithPatience();

        resumed.Should().Be(0, "its retry is not due: it waits, holding no slot");
        waiting.Should().Be(1);
        callsBeforeTheWait.Should().Be(0, "the backoff was not over");
        entries[^1].Event.Status.Should().Be(GenerationStatus.Completed);
        after.Generator.Calls.Select(c => c.Phase.Number).Should().Equal(2, 3, 4);
        entries.Select(e => e.Sequence).Should().Equal(Enumerable.Range(1, entries.Count).Select(i => (long)i));
    }

    private static void FailPhase(EngineHarness harness, int phase, int times, Func<Exception> failure)
    {
        var failures = 0;
        harness.Generator.BeforeFile = (context, index, token) =>
            context.Phase.Number == phase && index == 1 && Interlocked.Increment(ref failures) <= times ? Task.FromException(failure()) : Task.CompletedTask;
    }

    private static async Task<StreamingProgressEvent> WaitForRetryAsync(EngineHarness harness, string id, int count)
    {
        await using var subscription = await harness.Engine.WatchAsync(id);
        var seen = 0;
        await foreach (var e in subscription.ReadEventsAsync().WithCancellation(new CancellationTokenSource(AsyncTestExtensions.Patience).Token))
        {
            if (e.Stage == GenerationStages.Resumed && ++seen == count)
            {
                // Moving the clock at once is safe: a retry scheduled after the move is due at once, and waits for the run to leave.
                return e;
            }
        }

        throw new InvalidOperationException($"Generation {id} ended before retry {count}.");
    }
}
