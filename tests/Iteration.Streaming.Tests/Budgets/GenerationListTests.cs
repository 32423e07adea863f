using Iteration.Streaming.Contracts;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Records;
using Iteration.Streaming.Tests.Engine;

namespace Iteration.Streaming.Tests.Budgets;

/// <summary>The engine's list of a user's generations: newest first, paged, live ones with their latest event's stage.</summary>
public sealed class GenerationListTests
{
    [Fact]
    public async Task ListGenerationsAsync_PagesAUsersGenerationsNewestFirst_WithLiveStagesAndUsage()
    {
        await using var harness = EngineHarness.Create();
        harness.Generator.BeforeFile = (context, index, token) =>
        {
            context.Progress.AddUsage(10, 20);
            return Task.CompletedTask;
        };
        var done = await harness.Engine.StartAsync(new GenerationRequest(new string('p', 300), ["User"]) { UserId = "alice", Budget = new GenerationBudget { MaxOutputTokens = 10_000 } });
        await harness.ReadToEndAsync(done);
        harness.Clock.Advance(TimeSpan.FromSeconds(1));
        var waiting = await harness.Engine.StartAsync(new GenerationRequest("second") { UserId = "alice", Review = new ReviewRequest { Plan = true } });
        await harness.WaitForStageAsync(waiting, GenerationStages.AwaitingInput);
        harness.Clock.Advance(TimeSpan.FromSeconds(1));
        await harness.Engine.StartAsync(new GenerationRequest("bob's") { UserId = "bob", Review = new ReviewRequest { Plan = true } });

        var first = await harness.Engine.ListGenerationsAsync(new GenerationRecordQuery { UserId = "alice", Limit = 1 });
        var second = await harness.Engine.ListGenerationsAsync(new GenerationRecordQuery { UserId = "alice", Limit = 1, After = first.Next });
        var completed = await harness.Engine.ListGenerationsAsync(new GenerationRecordQuery { UserId = "alice", Status = GenerationStatus.Completed });

        first.Items.Should().ContainSingle().Which.Should().Match<GenerationListItem>(i =>
            i.GenerationId == waiting && i.Status == GenerationStatus.AwaitingInput && i.Stage == GenerationStages.AwaitingInput && i.Prompt == "second");
        first.Next.Should().NotBeNull();
        var item = second.Items.Should().ContainSingle().Subject;
        item.GenerationId.Should().Be(done);
        item.Prompt.Should().HaveLength(GenerationList.PromptPreviewLength).And.EndWith("…");
        item.Should().Match<GenerationListItem>(i => i.Status == GenerationStatus.Completed && i.Stage == GenerationStages.Completed && i.Progress == 1.0 && i.EndedAt != null);
        item.Usage.Should().Be(new GenerationUsage { InputTokens = 160, OutputTokens = 320 });
        item.Budget.Should().Be(new GenerationBudget { MaxOutputTokens = 10_000 });
        item.FileCount.Should().Be(16);
        second.Next.Should().BeNull();
        completed.Items.Select(i => i.GenerationId).Should().Equal(done);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public async Task ListGenerationsAsync_ALimitOutOfRange_Throws(int limit)
    {
        await using var harness = EngineHarness.Create();

        var list = async () => await harness.Engine.ListGenerationsAsync(new GenerationRecordQuery { UserId = "alice", Limit = limit });

        await list.Should().ThrowAsync<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task GetSnapshotAsync_CarriesUsageAndBudget()
    {
        await using var harness = EngineHarness.Create();
        harness.Generator.BeforeFile = (context, index, token) =>
        {
            context.Progress.AddUsage(1, 2);
            return Task.CompletedTask;
        };
        var id = await harness.Engine.StartAsync(new GenerationRequest("x", ["User"]) { Budget = new GenerationBudget { MaxTotalTokens = 500 } });
        await harness.ReadToEndAsync(id);

        var snapshot = await harness.Engine.GetSnapshotAsync(id);

        snapshot.Usage.Should().Be(new GenerationUsage { InputTokens = 16, OutputTokens = 32 });
        snapshot.Budget.Should().Be(new GenerationBudget { MaxTotalTokens = 500 });
    }
}
