using System.Globalization;
using Iteration.Streaming.AI.Tests.Infrastructure;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.AI.Tests.EndToEnd;

/// <summary>
/// The engine's budgets and automatic retries over the chat-client generator: a runaway model stopped by the estimates
/// within one live-progress interval; a model that answers 503 twice retried as the same generation through the real
/// OpenAI client, and a 400 not retried.
/// </summary>
public sealed class BudgetAndRetryTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    [Fact]
    public async Task Run_ModelNeverStopsWriting_StopsBudgetExceededWithinOneInterval_KeepingTheSavedPhase()
    {
        var clock = new FakeTimeProvider(TestEvents.Epoch);
        var model = new EndlessChatClient(clock) { FirstAnswers = ["<file path=\"a.txt\">a</file>"], FirstUsage = (100, 50) };
        await using var host = ChatEngineHost.Over(model, clock);

        var id = await host.Engine.StartAsync(new GenerationRequest("Build a task tracker", ["Task"]) { Budget = new GenerationBudget { MaxOutputTokens = 2_000 } });
        var events = await host.ReadToEndAsync(id);
        var record = await host.Engine.GetRecordAsync(id);

        var used = record!.Usage!.OutputTokens;
        events[^1].Should().Match<StreamingProgressEvent>(e => e.Status == GenerationStatus.Failed && e.Stage == GenerationStages.BudgetExceeded);
        events[^1].Error.Should().Be(string.Create(CultureInfo.InvariantCulture, $"Budget exceeded: {used:N0} output tokens used of 2,000 allowed"));
        // 100 characters every 50 ms at 4 a token: one interval is 125 tokens, and no more than that goes past the budget.
        used.Should().BeInRange(2_001, 2_000 + 125);
        model.Chunks.Should().BeLessThanOrEqualTo(((2_000 - 50) * 4 / EndlessChatClient.ChunkLength) + (int)(Interval / model.Step));
        events.Should().Contain(e => e.Stage == GenerationStages.PhaseComplete(1)).And.NotContain(e => e.Stage == GenerationStages.PhaseComplete(2));
        (await host.FilesAsync(id)).Should().Equal(new Dictionary<string, string> { ["a.txt"] = "a" });
    }

    // The engine drops a retry whose timer fires before the failed attempt has left the run registry
    // (RunRecovery.ResumeDueAsync returns false on registry.Contains): with no backoff, on this frozen clock, it always
    // does, and the generation stays 'resumed' for good. Unskip when the engine re-arms such a retry.
    [Fact]
    public async Task Run_ModelAnswers503TwiceThenWorks_CompletesAsTheSameGenerationWithTwoResumedEvents()
    {
        await using var host = await ChatEngineHost.StartAsync(engine: RetriesAtOnce);
        host.Server
            .Enqueue(new OpenAIAnswer.Stream("<file path=\"f1.txt\">1</file>"))
            .Enqueue(new OpenAIAnswer.Fail(503, "{}"))
            .Enqueue(new OpenAIAnswer.Fail(503, "{}") { Headers = new Dictionary<string, string> { ["Retry-After"] = "0" } });
        for (var i = 2; i <= 4; i++)
        {
            host.Server.Enqueue(new OpenAIAnswer.Stream($"<file path=\"f{i}.txt\">{i}</file>"));
        }

        var id = await host.Engine.StartAsync(new GenerationRequest("Build a task tracker", ["Task"]));
        var events = await host.ReadToEndAsync(id);

        events[^1].Status.Should().Be(GenerationStatus.Completed, events[^1].Error);
        events.Where(e => e.Stage == GenerationStages.Resumed).Select(e => e.Message).Should().Equal(
            "Model unavailable (HTTP 503); retrying phase 2 now, attempt 2 of 3",
            "Model unavailable (HTTP 503); retrying phase 2 now, attempt 3 of 3");
        events.Should().OnlyContain(e => e.GenerationId == id);
        host.Server.Requests.Should().HaveCount(6, "phase 1 was saved and is not asked for again");
        (await host.FilesAsync(id)).Keys.Should().BeEquivalentTo("f1.txt", "f2.txt", "f3.txt", "f4.txt");
    }

    [Fact]
    public async Task Run_ModelAnswers400_FailsAtOnceWithoutRetry()
    {
        await using var host = await ChatEngineHost.StartAsync(engine: RetriesAtOnce);
        host.Server
            .Enqueue(new OpenAIAnswer.Stream("<file path=\"f1.txt\">1</file>"))
            .Enqueue(new OpenAIAnswer.Fail(400, "{\"error\": {\"message\": \"This model's maximum context length is 8192 tokens.\"}}"));

        var id = await host.Engine.StartAsync(new GenerationRequest("Build a task tracker", ["Task"]));
        var events = await host.ReadToEndAsync(id);

        events[^1].Status.Should().Be(GenerationStatus.Failed);
        events[^1].Error.Should().StartWith("The model endpoint answered HTTP 400 (Bad Request) in phase 2");
        events.Should().NotContain(e => e.Stage == GenerationStages.Resumed);
        host.Server.Requests.Should().HaveCount(2);
    }

    /// <summary>Three attempts, no wait between them (the clock is frozen: a backoff would never pass).</summary>
    private static void RetriesAtOnce(Iteration.Streaming.Hosting.IterationStreamingOptions options)
    {
        options.Retries.MaxAttempts = 3;
        options.Retries.InitialDelay = TimeSpan.Zero;
        options.Retries.MaxDelay = TimeSpan.Zero;
    }
}
