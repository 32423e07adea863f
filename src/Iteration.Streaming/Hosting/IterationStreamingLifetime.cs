using Iteration.Streaming.Engine;
using Iteration.Streaming.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Hosting;

/// <summary>
/// Ties the engine to the host's life: at start, resumes interrupted runs (when <see cref="IterationStreamingOptions.ResumeInterruptedRuns"/>
/// allows, by default with a durable record store) and starts retention; at stop, stops every run gracefully — with a
/// durable store they are kept to resume, not cancelled.
/// </summary>
internal sealed class IterationStreamingLifetime(
    IIterationEngine engine,
    IGenerationRecordStore records,
    GenerationRetention retention,
    IOptionsMonitor<IterationStreamingOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (engine is IterationEngine embedded && (options.CurrentValue.ResumeInterruptedRuns ?? records.IsDurable))
        {
            await embedded.ResumeInterruptedAsync(cancellationToken).ConfigureAwait(false);
        }

        retention.Start();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (engine is IterationEngine embedded)
        {
            try
            {
                await embedded.StopAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The host's shutdown timeout: runs still stopping end with the process (and resume, when durable).
            }
        }
    }
}
