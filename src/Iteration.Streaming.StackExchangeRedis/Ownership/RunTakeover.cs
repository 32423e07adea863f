using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.Diagnostics;
using Iteration.Streaming.StackExchangeRedis.EventLog;
using Iteration.Streaming.StackExchangeRedis.Scripts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Ownership;

/// <summary>
/// Takes over runs whose owner went away, for this instance's engine to resume: runs handed over by a stopping instance
/// (announced on the hand-over channel, so they are claimed at once) and runs whose lease lapsed (found in the lease index
/// at each round). Every claim is the claim script, which refuses while any other instance holds the lease, so of
/// instances racing for one run exactly one gets it. Nothing is claimed while the engine is not reading the claims, and
/// a run that waits for its user at a review gate is never taken over: the instance that gets its input claims it
/// (<see cref="TryClaimAsync"/>).
/// </summary>
/// <remarks>
/// A lapsed run is taken only after this instance has been talking to Redis for a whole lease: when Redis comes back
/// from an outage every owner renews at once (on the connection's restore) and gets that long to do so before anyone
/// takes its runs. A handed-over run needs no such wait: its owner let go of it.
/// </remarks>
internal sealed class RunTakeover(
    RedisConnection connection,
    RedisScriptGateway scripts,
    OwnedRuns owned,
    GenerationJournals journals,
    RunHandOver handOver,
    TimeProvider timeProvider,
    ILogger<RunTakeover>? logger = null)
{
    private const int ScanBatchSize = 100;

    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;
    private readonly Lock _gate = new();
    private Channel<string>? _claims;
    private DateTimeOffset? _connectedSince;
    private bool _subscribed;

    /// <summary>Whether the engine reads claims now.</summary>
    public bool IsWatching
    {
        get
        {
            lock (_gate)
            {
                return _claims is not null;
            }
        }
    }

    /// <summary>Yields the runs this instance claims while it is enumerated; claims left unread at the end are handed back.</summary>
    public async IAsyncEnumerable<string> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var claims = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate)
        {
            if (_claims is not null)
            {
                throw new InvalidOperationException("Orphaned runs are already being watched; one enumeration at a time.");
            }

            _claims = claims;
        }

        try
        {
            await SubscribeAsync().ConfigureAwait(false);
            while (await claims.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (claims.Reader.TryRead(out var id))
                {
                    yield return id;
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _claims = null;
            }

            claims.Writer.TryComplete();
            while (claims.Reader.TryRead(out var id))
            {
                await HandBackAsync(id).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Claims one interrupted run for this instance (the engine resuming its own runs at start).</summary>
    public async ValueTask<bool> TryClaimAsync(string generationId, CancellationToken cancellationToken)
    {
        if (!RedisKeys.IsValidGenerationId(generationId))
        {
            return false;
        }

        // At start an instance may find a run its former self (same name) still holds: that is its own to resume.
        return await ClaimAsync(generationId, handedOverOnly: false, cancellationToken, acceptHeld: true).ConfigureAwait(false);
    }

    /// <summary>Notes a round that reached Redis; returns whether this instance has been connected long enough to take lapsed runs.</summary>
    public bool OnRoundSucceeded(DateTimeOffset now)
    {
        lock (_gate)
        {
            _connectedSince ??= now;
            return now - _connectedSince.Value >= scripts.Options.LeaseDuration;
        }
    }

    /// <summary>Notes that Redis failed: the wait of a whole lease starts again once it answers.</summary>
    public void OnConnectionLost()
    {
        lock (_gate)
        {
            _connectedSince = null;
        }
    }

    /// <summary>Claims the runs whose lease is due in the index (only handed-over ones unless <paramref name="mayTakeLapsed"/>).</summary>
    public async Task ScanAsync(IDatabase database, DateTimeOffset now, bool mayTakeLapsed, CancellationToken cancellationToken)
    {
        if (!IsWatching)
        {
            return;
        }

        var due = await database.SortedSetRangeByScoreAsync(scripts.Keys.Leases, double.NegativeInfinity, now.ToUnixTimeMilliseconds(), take: ScanBatchSize)
            .WaitAsync(cancellationToken)
            .ConfigureAwait(false);
        foreach (var value in due)
        {
            var generationId = (string)value!;
            if (!owned.Contains(generationId) && RedisKeys.IsValidGenerationId(generationId) && IsWatching)
            {
                if (await ClaimAsync(generationId, handedOverOnly: !mayTakeLapsed, cancellationToken).ConfigureAwait(false))
                {
                    await PublishAsync(generationId).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Subscribes to the hand-over channel while the engine reads claims (the first round after connecting does it).</summary>
    public async Task SubscribeAsync()
    {
        if (!IsWatching)
        {
            return;
        }

        if (_subscribed || connection.Multiplexer is not { } multiplexer)
        {
            return;
        }

        try
        {
            // The multiplexer subscribes again by itself after a reconnect; a missed message is found at the next round.
            await multiplexer.GetSubscriber().SubscribeAsync(scripts.Keys.HandOverChannel, (_, message) => OnHandedOver(message)).ConfigureAwait(false);
            _subscribed = true;
        }
        catch (Exception ex) when (RedisFailures.IsTransient(ex))
        {
            Log.HandOverSubscriptionFailed(_logger, ex);
        }
    }

    private void OnHandedOver(RedisValue message) => _ = OnHandedOverAsync(message);

    private async Task OnHandedOverAsync(RedisValue message)
    {
        if ((string?)message is not { } generationId || !RedisKeys.IsValidGenerationId(generationId) || owned.Contains(generationId) || !IsWatching)
        {
            return;
        }

        try
        {
            if (await ClaimAsync(generationId, handedOverOnly: true, CancellationToken.None).ConfigureAwait(false))
            {
                await PublishAsync(generationId).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (RedisFailures.IsTransient(ex) || ex is ObjectDisposedException)
        {
            // The next round finds it in the lease index.
        }
    }

    /// <summary>Hands a claimed run to the engine; when it stopped reading meanwhile, the run is handed back at once.</summary>
    private async Task PublishAsync(string generationId)
    {
        lock (_gate)
        {
            if (_claims is { } claims && claims.Writer.TryWrite(generationId))
            {
                return;
            }
        }

        await HandBackAsync(generationId).ConfigureAwait(false);
    }

    /// <summary>Gives a claimed run back at once; when Redis does not answer, its lease lapses and another instance takes it.</summary>
    private async Task HandBackAsync(string generationId)
    {
        try
        {
            await handOver.HandOverAsync(generationId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisFailures.IsTransient(ex) || ex is ObjectDisposedException)
        {
            Log.HandBackFailed(_logger, generationId, ex);
        }
    }

    /// <summary>Runs the claim script; a claimed run is handed to the engine (unless it asked for this one itself).</summary>
    private async Task<bool> ClaimAsync(string generationId, bool handedOverOnly, CancellationToken cancellationToken, bool acceptHeld = false)
    {
        var result = await scripts.ClaimAsync(generationId, handedOverOnly, takeover: !acceptHeld, cancellationToken).ConfigureAwait(false);
        var database = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        switch (result.Code)
        {
            case ClaimResult.Claimed:
            case ClaimResult.AlreadyHeld when acceptHeld:
                // Renewed from now on, until the engine holds the run (or gives it back): resuming it may take longer
                // than a lease, and a lapse meanwhile would let a second instance take it too.
                if (!owned.Contains(generationId))
                {
                    owned.Add(generationId, static _ => { });
                }

                // This instance writes the log from now on, after the last event the previous owner wrote.
                journals.Start(generationId, result.Last);
                var expires = timeProvider.GetUtcNow() + scripts.Options.LeaseDuration;
                await database.SortedSetAddAsync(scripts.Keys.Leases, generationId, expires.ToUnixTimeMilliseconds()).WaitAsync(cancellationToken).ConfigureAwait(false);
                Log.RunClaimed(_logger, generationId, handedOverOnly ? "handed over" : "its owner's lease lapsed");
                return true;
            case ClaimResult.Ended or ClaimResult.Unknown or ClaimResult.Waiting:
                // Gone, ended, or waiting at a review gate (nobody takes it over: the instance that gets its input claims
                // it): nothing to take, and the index entry is stale.
                await database.SortedSetRemoveAsync(scripts.Keys.Leases, generationId).WaitAsync(cancellationToken).ConfigureAwait(false);
                return false;
            default:
                return false;
        }
    }
}
