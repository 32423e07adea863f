using Iteration.Streaming.AI.Generation;
using Iteration.Streaming.AI.Tests.Infrastructure;
using Iteration.Streaming.Files;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.AI.Tests.Generation;

public sealed class LiveProgressTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    [Fact]
    public async Task GenerateAsync_FileStreaming_ReportsItAtMostOncePerInterval()
    {
        await using var harness = new GeneratorHarness();
        harness.Client.Answer(
            ChatStep.Text("<file path=\"src/a.cs\">\n"),
            ChatStep.Text(new string('x', 10)),
            ChatStep.Advance(harness.Clock, TimeSpan.FromMilliseconds(100)),
            ChatStep.Text(new string('y', 10)),
            ChatStep.Advance(harness.Clock, TimeSpan.FromMilliseconds(150)),
            ChatStep.Text(new string('z', 10)),
            ChatStep.Text("</file>"));

        await harness.RunPhaseAsync();

        harness.Progress.Reports.Select(r => (r.File, r.Offset, r.Text)).Should().Equal(
            ("src/a.cs", 0, string.Empty),
            ("src/a.cs", 0, new string('x', 10) + new string('y', 10) + new string('z', 10)));
    }

    [Fact]
    public async Task GenerateAsync_ManyTokensWithoutTimePassing_ReportsOnce()
    {
        await using var harness = new GeneratorHarness();
        harness.Client.AnswerText(["<file path=\"a.cs\">\n", .. Enumerable.Repeat("token ", 500), "</file>"]);

        await harness.RunPhaseAsync();

        harness.Progress.Reports.Should().ContainSingle();
    }

    [Fact]
    public async Task GenerateAsync_NextPhaseOfTheSameGeneration_SharesTheInterval()
    {
        await using var harness = new GeneratorHarness();
        var generator = harness.CreateGenerator();
        harness.Client.AnswerText("<file path=\"a\">", "1", "</file>");
        harness.Client.Answer(
            ChatStep.Text("<file path=\"b\">"),
            ChatStep.Advance(harness.Clock, Interval),
            ChatStep.Text("22"),
            ChatStep.Text("</file>"));

        await GeneratorHarness.RunPhaseAsync(generator, await harness.ContextAsync(1));
        await GeneratorHarness.RunPhaseAsync(generator, await harness.ContextAsync(2));

        harness.Progress.Reports.Select(r => (r.File, r.Chars)).Should().Equal(("a", 0), ("b", 2));
    }

    [Fact]
    public async Task GenerateAsync_BetweenFiles_ReportsNothing()
    {
        await using var harness = new GeneratorHarness();
        harness.Client.Answer(
            ChatStep.Text("<file path=\"a\">1</file>"),
            ChatStep.Advance(harness.Clock, Interval),
            ChatStep.Text("some words between files"),
            ChatStep.Advance(harness.Clock, Interval),
            ChatStep.Text("<file path=\"b\">2</file>"));

        await harness.RunPhaseAsync();

        harness.Progress.Reports.Should().BeEmpty();
    }

    [Theory]
    [InlineData("evil\u202Etxt.exe")]
    [InlineData("a\u200Bb.cs")]
    public async Task GenerateAsync_PathWithInvisibleCharacters_IsNotReportedLive(string path)
    {
        await using var harness = new GeneratorHarness();
        harness.Client.AnswerText($"<file path=\"{path}\">", "x", "</file>");

        var act = () => harness.RunPhaseAsync();

        (await act.Should().ThrowAsync<InvalidGeneratedFileException>()).Which.Message.Should().Contain("invisible formatting character", "the path rules refuse it at its open tag");
        harness.Progress.Reports.Should().BeEmpty();
    }

    [Fact]
    public async Task GenerateAsync_PathWithEmoji_IsReportedLive()
    {
        await using var harness = new GeneratorHarness();
        harness.Client.AnswerText("<file path=\"docs/\U0001F642.md\">", "x", "</file>");

        await harness.RunPhaseAsync();

        harness.Progress.Reports.Single().File.Should().Be("docs/\U0001F642.md");
    }

    [Fact]
    public async Task GenerateAsync_LiveProgressTurnedOff_ReportsNothing()
    {
        await using var harness = new GeneratorHarness(o => o.ReportLiveProgress = false);
        harness.Client.AnswerText("<file path=\"a\">", "1", "</file>");

        await harness.RunPhaseAsync();

        harness.Progress.Reports.Should().BeEmpty();
    }

    [Fact]
    public async Task GenerateAsync_LongerInterval_WaitsForIt()
    {
        await using var harness = new GeneratorHarness(o => o.LiveProgressInterval = TimeSpan.FromSeconds(1));
        harness.Client.Answer(
            ChatStep.Text("<file path=\"a\">"),
            ChatStep.Advance(harness.Clock, TimeSpan.FromMilliseconds(999)),
            ChatStep.Text("1"),
            ChatStep.Advance(harness.Clock, TimeSpan.FromMilliseconds(1)),
            ChatStep.Text("2"),
            ChatStep.Text("</file>"));

        await harness.RunPhaseAsync();

        harness.Progress.Reports.Select(r => r.Chars).Should().Equal(0, 2);
    }

    [Fact]
    public async Task GenerateAsync_FileAcrossReports_ReportsDeltasAtTheirOffsets()
    {
        await using var harness = new GeneratorHarness(o => o.LiveTailLength = 12);
        harness.Client.Answer(
            ChatStep.Text("<file path=\"a.cs\">\nline one\nline two\nline three\nline fo"),
            ChatStep.Advance(harness.Clock, Interval),
            ChatStep.Text("ur\n"),
            ChatStep.Text("</file>"));

        await harness.RunPhaseAsync();

        harness.Progress.Reports.Select(r => (r.Offset, r.Text, r.TailLength)).Should().Equal(
            (0, "line one\nline two\nline three\nline fo", 12),
            (36, "ur\n", 12));
    }

    [Fact]
    public async Task GenerateAsync_BackgroundResponsesOff_ReportsNoResumeState()
    {
        await using var harness = new GeneratorHarness();
        harness.Client.AnswerText("<file path=\"a\">x", "</file>");

        await harness.RunPhaseAsync();

        harness.Progress.LiveUpdates.Should().ContainSingle().Which.ResumeState.Should().BeNull();
    }

    [Fact]
    public async Task GenerateAsync_ModelPausesWithTextHeldBack_ReportsItWhenTheIntervalEnds()
    {
        await using var harness = new GeneratorHarness();
        var paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reported = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Progress.OnLive = u =>
        {
            if (u.Text.Contains('y', StringComparison.Ordinal))
            {
                reported.TrySetResult(u.Text);
            }
        };
        harness.Client.Answer(
            ChatStep.Text("<file path=\"a\">\nxx"),
            ChatStep.Text("yy"),
            ChatStep.Pause(paused, resume.Task),
            ChatStep.Text("zz</file>"));

        var run = harness.RunPhaseAsync();
        await paused.Task.WithPatience();
        harness.Clock.Advance(Interval);

        (await reported.Task.WithPatience()).Should().Be("yy", "the text the throttle held back is reported while the model is silent");
        resume.SetResult();
        await run;
        harness.Progress.Reports.Select(r => (r.Offset, r.Text)).Should().Equal((0, "xx"), (2, "yy"));
    }
}
