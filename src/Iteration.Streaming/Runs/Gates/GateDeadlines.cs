using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Runs.Gates;

/// <summary>
/// Ends generations nobody answered within <see cref="IterationStreamingOptions.InputTimeout"/>: one sweep per instance
/// at a fixed interval over the waiting records (their deadline is in the record: no timer per run, and a deadline
/// survives restarts). Every instance sweeps; the claim and the revision let exactly one end each generation.
/// </summary>
internal sealed class GateDeadlines(
    IGenerationRecordStore records,
    GateKeeper gateKeeper,
    IOptionsMonitor<IterationStreamingOptions> options,
    TimeProvider timeProvider,
    ILogger logger)
{
    /// <summary>How often the sweep runs: a quarter of the timeout, at most a minute, at least a second.</summary>
    public TimeSpan Interval
    {
        get
        {
            var quarter = options.CurrentValue.InputTimeout / 4;
            return quarter < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : quarter > TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : quarter;
        }
    }

    /// <summary>Sweeps until <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(Interval, timeProvider, cancellationToken).ConfigureAwait(false);
                await SweepAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Ends every waiting generation whose deadline passed.</summary>
    /// <returns>How many this instance ended.</returns>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var ended = 0;
        try
        {
            var now = timeProvider.GetUtcNow();
            foreach (var record in await records.ListUnfinishedAsync(cancellationToken).ConfigureAwait(false))
            {
                if (record.Status == GenerationStatus.AwaitingInput && record.Steering?.Gate is { } gate && gate.ExpiresAt <= now
                    && await gateKeeper.ExpireAsync(record, cancellationToken).ConfigureAwait(false))
                {
                    ended++;
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.GateSweepFailed(logger, ex);
        }

        return ended;
    }
}
