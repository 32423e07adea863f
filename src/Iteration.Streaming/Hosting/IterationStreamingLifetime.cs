using Iteration.Streaming.Engine;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;
using Iteration.Streaming.Retention;
using Iteration.Streaming.ScaleOut;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Hosting;

/// <summary>
/// Ties the engine to the host's life: at start, resumes interrupted runs (when <see cref="IterationStreamingOptions.ResumeInterruptedRuns"/>
/// allows, by default with a durable record store) and starts retention; at stop, stops every run gracefully — with a
/// durable store they are kept to resume, not cancelled (and handed over to another instance, when there are others).
/// While the host runs, it resumes the runs that other instances lost or handed over (see <see cref="IRunCoordinator"/>),
/// and ends the generations nobody answered at a review gate within <see cref="IterationStreamingOptions.InputTimeout"/>.
/// </summary>
internal sealed class IterationStreamingLifetime(
    IIterationEngine engine,
    IGenerationRecordStore records,
    GenerationRetention retention,
    IOptionsMonitor<IterationStreamingOptions> options) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _takeovers = Task.CompletedTask;
    private Task _deadlines = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (engine is not IterationEngine embedded)
        {
            retention.Start();
            return;
        }

        if (options.CurrentValue.ResumeInterruptedRuns ?? records.IsDurable)
        {
            await embedded.Recovery.ResumeInterruptedAsync(cancellationToken).ConfigureAwait(false);
        }

        _takeovers = Task.Run(() => embedded.Recovery.ResumeOrphanedAsync(_stopping.Token), CancellationToken.None);
        _deadlines = Task.Run(() => embedded.Deadlines.RunAsync(_stopping.Token), CancellationToken.None);
        retention.Start();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (engine is IterationEngine embedded)
        {
            // No more takeovers first: a stopping instance hands runs over, it does not take them.
            await _stopping.CancelAsync().ConfigureAwait(false);
            try
            {
                await _takeovers.WaitAsync(cancellationToken).ConfigureAwait(false);
                await _deadlines.WaitAsync(cancellationToken).ConfigureAwait(false);
                await embedded.StopAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The host's shutdown timeout: runs still stopping end with the process (and resume, when durable).
            }
        }
    }

    public void Dispose() => _stopping.Dispose();
}
