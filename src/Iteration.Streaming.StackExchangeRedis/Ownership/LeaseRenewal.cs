using Iteration.Streaming.ScaleOut;
using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.Diagnostics;
using Iteration.Streaming.StackExchangeRedis.EventLog;
using Iteration.Streaming.StackExchangeRedis.Scripts;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Ownership;

/// <summary>
/// Renews the leases of this instance's runs, all in one round trip, and acts on what each renewal says: a cancel was
/// requested or input arrived (the run is told), Redis lost the generation (it is restored from this instance's copy),
/// or the run was ended or taken over by another instance (the run here stops). A run the engine let go of leaves once
/// nothing of it waits for Redis; one that waits at a review gate gives its lease up then (<see cref="ReleaseAsync"/>).
/// </summary>
/// <remarks>
/// The lease's expiry is Redis's own (<c>SET PX</c>), so instances' clocks do not decide who owns what.
/// </remarks>
internal sealed class LeaseRenewal(
    RedisScriptGateway scripts,
    OwnedRuns owned,
    GenerationJournals journals,
    OutageBuffer buffer,
    TimeProvider timeProvider,
    ILogger<LeaseRenewal>? logger = null)
{
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    public async Task RenewAsync(IDatabase database, CancellationToken cancellationToken)
    {
        var renewals = new List<(OwnedRun Run, Task<RenewResult> Result)>();
        var releases = new List<(OwnedRun Run, Task<bool> Parked)>();
        foreach (var run in owned.All)
        {
            if (run.Released && !journals.HasPending(run.GenerationId))
            {
                // The engine let go and nothing of the run waits here: its terminal event is in Redis (which deleted the
                // lease), it was handed over, it waits at a review gate (its lease is given up now), or nothing could be
                // written, and then the lease lapses and another instance resumes it.
                releases.Add((run, scripts.ParkAsync(run.GenerationId, cancellationToken)));
                continue;
            }

            renewals.Add((run, scripts.RenewAsync(database, run.GenerationId)));
        }

        foreach (var (run, parked) in releases)
        {
            try
            {
                Released(run, await parked.WaitAsync(cancellationToken).ConfigureAwait(false));
            }
            catch (Exception ex) when (RedisFailures.IsTransient(ex))
            {
                // Kept (not renewed): the next round tries again.
                Log.ParkFailed(_logger, run.GenerationId, ex);
            }
        }

        if (renewals.Count == 0)
        {
            return;
        }

        var expires = (timeProvider.GetUtcNow() + scripts.Options.LeaseDuration).ToUnixTimeMilliseconds();
        var renewed = new List<SortedSetEntry>(renewals.Count);
        var ended = new List<RedisValue>();
        foreach (var (run, pending) in renewals)
        {
            var id = run.GenerationId;
            switch (await pending.WaitAsync(cancellationToken).ConfigureAwait(false))
            {
                case RenewResult.Renewed:
                    renewed.Add(new SortedSetEntry(id, expires));
                    break;
                case RenewResult.CancelRequested:
                    renewed.Add(new SortedSetEntry(id, expires));
                    if (!run.Released)
                    {
                        Log.RemoteCancelReceived(_logger, id);
                        run.Stop(RunSignal.CancelRequested);
                    }

                    break;
                case RenewResult.InputArrived:
                    renewed.Add(new SortedSetEntry(id, expires));
                    if (!run.Released)
                    {
                        Log.RemoteInputReceived(_logger, id);
                        run.InputArrived();
                    }

                    break;
                case RenewResult.Unknown:
                    // Redis lost it (restarted without persistence): restored from this instance's copy when it has one.
                    if (await buffer.RestoreAsync(id, cancellationToken).ConfigureAwait(false))
                    {
                        renewed.Add(new SortedSetEntry(id, expires));
                    }
                    else
                    {
                        owned.Lose(run, "Redis no longer knows the generation");
                        ended.Add(id);
                    }

                    break;
                case RenewResult.Ended:
                    owned.Lose(run, "it ended on another instance after this instance's lease lapsed");
                    ended.Add(id);
                    break;
                default:
                    owned.Lose(run, "another instance took it over");
                    break;
            }
        }

        if (renewed.Count > 0)
        {
            await database.SortedSetAddAsync(scripts.Keys.Leases, [.. renewed]).WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (ended.Count > 0)
        {
            await database.SortedSetRemoveAsync(scripts.Keys.Leases, [.. ended]).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The engine let go of <paramref name="run"/> (<see cref="OwnedRun.Dispose"/>): at once, when nothing of it waits for
    /// Redis here, a run that waits at a review gate gives its lease up, so that whichever instance gets the input may
    /// claim it now rather than after the lease lapses. Otherwise (or when Redis does not answer) the next round does it.
    /// </summary>
    public async Task ReleaseAsync(OwnedRun run, CancellationToken cancellationToken)
    {
        if (journals.HasPending(run.GenerationId) || owned.Find(run.GenerationId) != run)
        {
            return;
        }

        try
        {
            Released(run, await scripts.ParkAsync(run.GenerationId, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            // Nobody awaits this: whatever failed, the next round lets go of the run instead.
            Log.ParkFailed(_logger, run.GenerationId, ex);
        }
    }

    private void Released(OwnedRun run, bool parked)
    {
        owned.Remove(run);
        if (parked)
        {
            Log.RunParked(_logger, run.GenerationId);
        }
    }
}
