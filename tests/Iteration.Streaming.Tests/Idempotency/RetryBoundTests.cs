using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.TestUtilities;
using Iteration.Streaming.Tests.Engine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Tests.Idempotency;

public sealed class RetryBoundTests
{
    /// <summary>A generation that failed at phase 3, with a generator that fails at phase 3 again unless told otherwise.</summary>
    private static async Task<(EngineHarness Harness, string Failed)> FailedRunAsync(Action<IterationStreamingOptions>? configure = null)
    {
        var harness = EngineHarness.Create(configure: configure);
        harness.Generator.Files = context => context.Phase.Number == 3
            ? throw new GenerationFailedException("The model is overloaded.")
            : ScriptedGenerator.DefaultFiles(context);
        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", ["User", "Task"]));
        (await harness.ReadToEndAsync(id))[^1].Status.Should().Be(GenerationStatus.Failed);
        return (harness, id);
    }

    [Fact]
    public async Task RetryAsync_WhileAnEarlierRetryIsLive_IsAConflictNamingThatRetry()
    {
        var (harness, failed) = await FailedRunAsync();
        await using var _ = harness;
        harness.Generator.Files = ScriptedGenerator.DefaultFiles;
        var gate = harness.Generator.StopAt(phase: 3, fileIndex: 0);
        var live = await harness.Engine.RetryAsync(new RetryRequest(failed));
        await gate.Reached.WithPatience();

        var act = async () => await harness.Engine.RetryAsync(new RetryRequest(failed));

        await act.Should().ThrowAsync<GenerationConflictException>().WithMessage($"*retry '{live}'*processing*");
        gate.Release();
        (await harness.ReadToEndAsync(live))[^1].Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public async Task RetryAsync_ConcurrentRetriesOfOneGeneration_AdmitExactlyOne()
    {
        var (harness, failed) = await FailedRunAsync();
        await using var _ = harness;
        harness.Generator.Files = ScriptedGenerator.DefaultFiles;
        var gate = harness.Generator.StopAt(phase: 3, fileIndex: 0);

        var attempts = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Task.Run(async () =>
        {
            try
            {
                return (Id: await harness.Engine.RetryAsync(new RetryRequest(failed)), Conflict: (string?)null);
            }
            catch (GenerationConflictException ex)
            {
                return (Id: (string?)null, Conflict: ex.Message);
            }
        })));

        attempts.Count(a => a.Id is not null).Should().Be(1);
        attempts.Count(a => a.Conflict is not null).Should().Be(11);
        gate.Release();
    }

    [Fact]
    public async Task RetryAsync_AfterTheEarlierRetryFailed_IsAdmitted()
    {
        var (harness, failed) = await FailedRunAsync();
        await using var _ = harness;
        var first = await harness.Engine.RetryAsync(new RetryRequest(failed));
        (await harness.ReadToEndAsync(first))[^1].Status.Should().Be(GenerationStatus.Failed);

        var second = await harness.Engine.RetryAsync(new RetryRequest(failed));

        second.Should().NotBe(first);
        (await harness.Engine.GetRecordAsync(second))!.RetryOf.Should().Be(failed);
    }

    [Fact]
    public async Task RetryAsync_PastMaxRetriesPerGeneration_IsAConflictNamingTheSetting()
    {
        var (harness, failed) = await FailedRunAsync(o => o.MaxRetriesPerGeneration = 2);
        await using var _ = harness;
        var first = await harness.Engine.RetryAsync(new RetryRequest(failed));
        await harness.ReadToEndAsync(first);
        var second = await harness.Engine.RetryAsync(new RetryRequest(first));
        await harness.ReadToEndAsync(second);

        var ofTheLast = async () => await harness.Engine.RetryAsync(new RetryRequest(second));
        var ofTheFirst = async () => await harness.Engine.RetryAsync(new RetryRequest(failed));

        await ofTheLast.Should().ThrowAsync<GenerationConflictException>().WithMessage("*retried 2 times*IterationStreaming:MaxRetriesPerGeneration*");
        await ofTheFirst.Should().ThrowAsync<GenerationConflictException>().WithMessage("*IterationStreaming:MaxRetriesPerGeneration*");
    }

    [Fact]
    public async Task RetryAsync_WithTheDefaultBound_AdmitsFiveRetriesOfAChainAndRefusesTheSixth()
    {
        var (harness, failed) = await FailedRunAsync();
        await using var _ = harness;
        var last = failed;
        for (var i = 0; i < 5; i++)
        {
            last = await harness.Engine.RetryAsync(new RetryRequest(last));
            (await harness.ReadToEndAsync(last))[^1].Status.Should().Be(GenerationStatus.Failed);
        }

        var sixth = async () => await harness.Engine.RetryAsync(new RetryRequest(last));

        await sixth.Should().ThrowAsync<GenerationConflictException>().WithMessage("*retried 5 times*MaxRetriesPerGeneration*");
    }

    [Fact]
    public async Task RetryAsync_ThatIsRefusedForCapacity_FreesItsSlot()
    {
        var (harness, failed) = await FailedRunAsync(o =>
        {
            o.MaxRetriesPerGeneration = 1;
            o.MaxConcurrentGenerations = 1;
            o.MaxQueuedGenerations = 0;
        });
        await using var _ = harness;
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0);
        var busy = await harness.Engine.StartAsync(new GenerationRequest("Keep the only slot busy"));
        await gate.Reached.WithPatience();
        var refused = async () => await harness.Engine.RetryAsync(new RetryRequest(failed));
        await refused.Should().ThrowAsync<GenerationCapacityException>();
        gate.Release();
        await harness.ReadToEndAsync(busy);

        var retry = await harness.Engine.RetryAsync(new RetryRequest(failed));

        (await harness.Engine.GetRecordAsync(retry))!.RetryOf.Should().Be(failed);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1_001)]
    public void Options_MaxRetriesPerGenerationOutOfRange_FailNamingIt(int value)
    {
        using var provider = new ServiceCollection().AddIterationStreaming(o => o.MaxRetriesPerGeneration = value).Services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<IterationStreamingOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().ContainSingle().Which.Should().Contain("MaxRetriesPerGeneration");
    }

    [Fact]
    public void Options_IdempotencyKeyLifetimeOfZero_FailsNamingIt()
    {
        using var provider = new ServiceCollection().AddIterationStreaming(o => o.IdempotencyKeyLifetime = TimeSpan.Zero).Services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<IterationStreamingOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().ContainSingle().Which.Should().Contain("IdempotencyKeyLifetime");
    }

    [Fact]
    public void Options_Defaults_BoundRetriesToFiveAndKeepKeysADay()
    {
        var options = new IterationStreamingOptions();

        options.MaxRetriesPerGeneration.Should().Be(5);
        options.IdempotencyKeyLifetime.Should().Be(TimeSpan.FromHours(24));
    }
}
