using Iteration.Streaming.Contracts;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Records;
using Iteration.Streaming.TestUtilities;
using Iteration.Streaming.Tests.Engine;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Tests.Gates;

/// <summary>
/// A gate's event is appended before its record is written. A reader between the two (a page reloaded the moment the
/// gate arrives) must get a snapshot whose status agrees with its last event.
/// </summary>
public sealed class GateSnapshotTests
{
    [Fact]
    public async Task GetSnapshotAsync_GateEventLoggedButRecordNotYetWritten_SaysAwaitingInput()
    {
        var held = new HeldGateWrites();
        await using var harness = EngineHarness.Create(build: b => held.Install(b.Services));
        var id = await harness.Engine.StartAsync(new GenerationRequest("x") { Review = new ReviewRequest { Plan = true } });
        var gate = await harness.WaitForStageAsync(id, GenerationStages.AwaitingInput);
        await held.Reached.Task.WithPatience();

        var lagging = await harness.Engine.GetRecordAsync(id);
        var snapshot = await harness.Engine.GetSnapshotAsync(id);
        held.Release();
        await harness.Engine.SendInputAsync(id, new GenerationInputRequest { Action = InputActions.Approve });
        var events = await harness.ReadToEndAsync(id);

        lagging!.Status.Should().Be(GenerationStatus.Processing, "the record write is held, so the race is there to see");
        snapshot.Status.Should().Be(GenerationStatus.AwaitingInput);
        snapshot.LastEvent!.InputRequest.Should().BeEquivalentTo(gate.InputRequest);
        events[^1].Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public async Task GetSnapshotAsync_AfterTheApproval_FollowsTheRecordNotTheOldGateEvent()
    {
        await using var harness = EngineHarness.Create(configure: o => o.MaxConcurrentGenerations = 1);
        var blocker = await harness.Engine.StartAsync(new GenerationRequest("blocks the only slot") { Review = new ReviewRequest { Plan = true } });
        var id = await harness.Engine.StartAsync(new GenerationRequest("x") { Review = new ReviewRequest { Plan = true } });
        await harness.WaitForStageAsync(blocker, GenerationStages.AwaitingInput);
        await harness.WaitForStageAsync(id, GenerationStages.AwaitingInput);

        var answer = await harness.Engine.SendInputAsync(id, new GenerationInputRequest { Action = InputActions.Approve });
        var snapshot = await harness.Engine.GetSnapshotAsync(id);
        await harness.Engine.CancelAsync(blocker);
        var events = await harness.ReadToEndAsync(id);

        answer.Status.Should().NotBe(GenerationStatus.AwaitingInput);
        snapshot.Status.Should().NotBe(GenerationStatus.AwaitingInput, "the gate is passed; its event is no longer the run's state");
        events[^1].Status.Should().Be(GenerationStatus.Completed);
    }

    /// <summary>Holds the record write that says a run waits at a gate until <see cref="Release"/>.</summary>
    private sealed class HeldGateWrites
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _release.TrySetResult();

        public void Install(IServiceCollection services)
        {
            var registered = services.Last(d => d.ServiceType == typeof(IGenerationRecordStore));
            services.Remove(registered);
            services.AddSingleton<IGenerationRecordStore>(sp => new Store((IGenerationRecordStore)(registered.ImplementationInstance
                ?? registered.ImplementationFactory?.Invoke(sp)
                ?? ActivatorUtilities.CreateInstance(sp, registered.ImplementationType!)), this));
        }

        private sealed class Store(IGenerationRecordStore inner, HeldGateWrites held) : IGenerationRecordStore
        {
            public bool IsDurable => inner.IsDurable;

            public ValueTask AddAsync(GenerationRecord record, CancellationToken cancellationToken = default) => inner.AddAsync(record, cancellationToken);

            public ValueTask<GenerationRecord?> GetAsync(string generationId, CancellationToken cancellationToken = default) => inner.GetAsync(generationId, cancellationToken);

            public ValueTask<GenerationRecord?> UpdateAsync(string generationId, GenerationRecordUpdate update, CancellationToken cancellationToken = default) =>
                inner.UpdateAsync(generationId, update, cancellationToken);

            public async ValueTask<GenerationRecord?> TryUpdateSteeringAsync(string generationId, long expectedRevision, GenerationRecordUpdate update, CancellationToken cancellationToken = default)
            {
                if (update.Status == GenerationStatus.AwaitingInput)
                {
                    held.Reached.TrySetResult();
                    await held._release.Task.ConfigureAwait(false);
                }

                return await inner.TryUpdateSteeringAsync(generationId, expectedRevision, update, cancellationToken).ConfigureAwait(false);
            }

            public ValueTask<IReadOnlyList<GenerationRecord>> ListUnfinishedAsync(CancellationToken cancellationToken = default) => inner.ListUnfinishedAsync(cancellationToken);

            public ValueTask<IReadOnlyList<GenerationRecord>> ListEndedAsync(CancellationToken cancellationToken = default) => inner.ListEndedAsync(cancellationToken);

            public ValueTask<bool> DeleteAsync(string generationId, CancellationToken cancellationToken = default) => inner.DeleteAsync(generationId, cancellationToken);

            public ValueTask ProbeWriteAsync(CancellationToken cancellationToken = default) => inner.ProbeWriteAsync(cancellationToken);
        }
    }
}
