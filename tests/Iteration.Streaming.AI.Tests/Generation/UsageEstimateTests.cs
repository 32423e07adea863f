using Iteration.Streaming.AI.Tests.Infrastructure;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.AI.Tests.Generation;

/// <summary>
/// The estimate of the output tokens written so far (characters over <c>CharactersPerToken</c>), sent at the
/// live-progress rate so the engine can stop a runaway answer within one interval, until real usage replaces it.
/// </summary>
public sealed class UsageEstimateTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    [Fact]
    public async Task GenerateAsync_ModelNeverStopsWriting_EstimatesGrowOncePerInterval()
    {
        var clock = new FakeTimeProvider(TestEvents.Epoch);
        var model = new EndlessChatClient(clock);
        await using var harness = new GeneratorHarness(chatClient: model, clock: clock);
        using var budget = new CancellationTokenSource();
        harness.Progress.OnEstimate = _ =>
        {
            if (harness.Progress.Estimates.Count == 5)
            {
                budget.Cancel();
            }
        };

        var act = () => harness.RunPhaseAsync(cancellationToken: budget.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        // A 100-character chunk every 50 ms: 5 chunks (500 characters, 125 tokens at 4 characters a token) an interval.
        harness.Progress.Estimates.Should().Equal(
            new Estimate(TestEvents.Epoch, 25),
            new Estimate(TestEvents.Epoch + Interval, 150),
            new Estimate(TestEvents.Epoch + (2 * Interval), 275),
            new Estimate(TestEvents.Epoch + (3 * Interval), 400),
            new Estimate(TestEvents.Epoch + (4 * Interval), 525));
    }

    [Fact]
    public async Task GenerateAsync_RunCancelledWhileTheModelWrites_StopsWithoutAskingForMore()
    {
        var clock = new FakeTimeProvider(TestEvents.Epoch);
        var model = new EndlessChatClient(clock);
        await using var harness = new GeneratorHarness(chatClient: model, clock: clock);
        using var budget = new CancellationTokenSource();
        var chunksWhenCancelled = -1;
        harness.Progress.OnEstimate = tokens =>
        {
            // As the engine does when an estimate crosses the budget.
            if (tokens > 1_000)
            {
                chunksWhenCancelled = model.Chunks;
                budget.Cancel();
            }
        };

        var act = () => harness.RunPhaseAsync(cancellationToken: budget.Token);

        (await act.Should().ThrowAsync<OperationCanceledException>()).Which.CancellationToken.Should().Be(budget.Token);
        chunksWhenCancelled.Should().BePositive();
        model.Chunks.Should().Be(chunksWhenCancelled, "the model (which ignores the token) is not asked for another chunk");
    }

    [Fact]
    public async Task GenerateAsync_ManyChunksWithinAnInterval_EstimatesOnceThenOnceAtTheEnd()
    {
        await using var harness = new GeneratorHarness();
        harness.Client.AnswerText(["<file path=\"a.cs\">\n", .. Enumerable.Repeat("token ", 500), "</file>"]);

        await harness.RunPhaseAsync();

        // 19 characters at the first chunk; 19 + 3,000 + 7 at the end, counted whole as no usage came.
        harness.Progress.Estimates.Select(e => e.OutputTokens).Should().Equal(5, 757);
    }

    [Fact]
    public async Task GenerateAsync_CharactersPerTokenSet_DividesByIt()
    {
        await using var harness = new GeneratorHarness(o => o.CharactersPerToken = 2.5);
        harness.Client.AnswerText("<file path=\"a\">" + new string('x', 85) + "</file>");

        await harness.RunPhaseAsync();

        harness.Progress.Estimates.Should().ContainSingle().Which.OutputTokens.Should().Be(43, "107 characters over 2.5, rounded up");
    }

    [Fact]
    public async Task GenerateAsync_RealUsageArrives_ReplacesTheEstimate()
    {
        await using var harness = new GeneratorHarness();
        harness.Client.Answer(
            ChatStep.Text("<file path=\"a\">" + new string('x', 25)),
            ChatStep.Advance(harness.Clock, Interval),
            ChatStep.Text(new string('y', 33) + "</file>"),
            ChatStep.Usage(100, 21));

        await harness.RunPhaseAsync();

        harness.Progress.Calls.Should().Equal("estimate 10", "estimate 20", "usage 100/21");
    }

    [Fact]
    public async Task GenerateAsync_TextAfterRealUsage_EstimatesOnlyTheNewText()
    {
        await using var harness = new GeneratorHarness();
        harness.Client.Answer(
            ChatStep.Text("<file path=\"a\">" + new string('x', 25)),
            ChatStep.Usage(100, 1),
            ChatStep.Advance(harness.Clock, Interval),
            ChatStep.Text(new string('y', 13) + "</file>"),
            ChatStep.Usage(0, 19));

        await harness.RunPhaseAsync();

        harness.Progress.Calls.Should().Equal("estimate 10", "usage 100/1", "estimate 5", "usage 0/19");
    }

    [Fact]
    public async Task GenerateAsync_WritingOutsideAnyFileWithLiveProgressOff_StillEstimates()
    {
        await using var harness = new GeneratorHarness(o => o.ReportLiveProgress = false);
        harness.Client.Answer(
            ChatStep.Text(new string('t', 40)),
            ChatStep.Advance(harness.Clock, Interval),
            ChatStep.Text(new string('t', 40)),
            ChatStep.Advance(harness.Clock, Interval),
            ChatStep.Text("<file path=\"a\">1</file>"),
            ChatStep.Usage(10, 30));

        await harness.RunPhaseAsync();

        harness.Progress.Estimates.Select(e => e.OutputTokens).Should().Equal(10, 20, 26);
        harness.Progress.Reports.Should().BeEmpty();
    }

    [Fact]
    public async Task GenerateAsync_AnswerNamesItsModel_PassesItWithTheUsage()
    {
        await using var harness = new GeneratorHarness(o => o.ChatOptions = new ChatOptions { ModelId = "gpt-4.1" });
        harness.Client.Answer(ChatStep.Text("<file path=\"a\">1</file>", "gpt-4.1-2025-04-14"), ChatStep.Usage(10, 5));

        await harness.RunPhaseAsync();

        harness.Progress.Models.Should().Equal("gpt-4.1-2025-04-14");
    }

    [Fact]
    public async Task GenerateAsync_AnswerNamesNoModel_PassesTheRequestedOne()
    {
        await using var harness = new GeneratorHarness(o => o.ChatOptions = new ChatOptions { ModelId = "gpt-4.1" });
        harness.Client.Metadata = new ChatClientMetadata(defaultModelId: "client-default");
        harness.Client.Answer(ChatStep.Text("<file path=\"a\">1</file>"), ChatStep.Usage(10, 5));

        await harness.RunPhaseAsync();

        harness.Progress.Models.Should().Equal("gpt-4.1");
    }

    [Fact]
    public async Task GenerateAsync_NoModelInTheOptions_PassesTheClientsDefault()
    {
        await using var harness = new GeneratorHarness();
        harness.Client.Metadata = new ChatClientMetadata(defaultModelId: "qwen2.5-coder:7b");
        harness.Client.Answer(ChatStep.Text("<file path=\"a\">1</file>"), ChatStep.Usage(10, 5));

        await harness.RunPhaseAsync();

        harness.Progress.Models.Should().Equal("qwen2.5-coder:7b");
    }

    [Fact]
    public async Task GenerateAsync_ModelUnknown_PassesNone()
    {
        await using var harness = new GeneratorHarness();
        harness.Client.Answer(ChatStep.Text("<file path=\"a\">1</file>"), ChatStep.Usage(10, 5));

        await harness.RunPhaseAsync();

        harness.Progress.Models.Should().Equal([null]);
    }

    [Theory]
    [InlineData("evil\nmodel")]
    [InlineData("   ")]
    public async Task GenerateAsync_AnswerNamesAHostileModel_PassesTheRequestedOne(string hostile)
    {
        await using var harness = new GeneratorHarness(o => o.ChatOptions = new ChatOptions { ModelId = "gpt-4.1" });
        harness.Client.Answer(ChatStep.Text("<file path=\"a\">1</file>", hostile), ChatStep.Usage(10, 5, hostile));

        await harness.RunPhaseAsync();

        harness.Progress.Models.Should().Equal("gpt-4.1");
    }

    [Fact]
    public async Task GenerateAsync_AnswerNamesAnOverlongModel_PassesTheRequestedOne()
    {
        await using var harness = new GeneratorHarness(o => o.ChatOptions = new ChatOptions { ModelId = "gpt-4.1" });
        harness.Client.Answer(ChatStep.Text("<file path=\"a\">1</file>", new string('m', 201)), ChatStep.Usage(10, 5));

        await harness.RunPhaseAsync();

        harness.Progress.Models.Should().Equal("gpt-4.1");
    }
}
