using Iteration.Streaming.ScaleOut;
using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.Diagnostics;
using Iteration.Streaming.StackExchangeRedis.EventLog;
using Iteration.Streaming.StackExchangeRedis.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.StackExchangeRedis.Ownership;

/// <summary>
/// The engine's <see cref="IRunCoordinator"/> on Redis. It owns the instance's rounds: every
/// <see cref="IterationStreamingRedisOptions.LeaseRenewalInterval"/> (and at once when Redis comes back) one round renews
/// this instance's leases (<see cref="LeaseRenewal"/>), ends the local streams of vanished generations
/// (<see cref="VanishedGenerationSweep"/>) and claims runs whose owner went away (<see cref="RunTakeover"/>); cancel
/// (<see cref="RemoteCancel"/>), input (<see cref="RemoteInput"/>) and hand-over (<see cref="RunHandOver"/>) are passed
/// through. A run the engine lets go of at a review gate gives its lease up at once (<see cref="LeaseRenewal.ReleaseAsync"/>).
/// </summary>
internal sealed class RedisRunCoordinator : IRunCoordinator, IAsyncDisposable, IDisposable
{
    private readonly RedisConnection _connection;
    private readonly OwnedRuns _owned;
    private readonly LeaseRenewal _renewal;
    private readonly VanishedGenerationSweep _sweep;
    private readonly RunTakeover _takeover;
    private readonly RunHandOver _handOver;
    private readonly RemoteCancel _cancel;
    private readonly RemoteInput _input;
    private readonly IterationStreamingRedisOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _roundGate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private ITimer? _timer;
    private bool _failing;
    private bool _started;
    private bool _disposed;

    public RedisRunCoordinator(
        RedisConnection connection,
        OwnedRuns owned,
        LeaseRenewal renewal,
        VanishedGenerationSweep sweep,
        RunTakeover takeover,
        RunHandOver handOver,
        RemoteCancel cancel,
        RemoteInput input,
        TimeProvider timeProvider,
        ILogger<RedisRunCoordinator>? logger = null)
    {
        _connection = connection;
        _owned = owned;
        _renewal = renewal;
        _sweep = sweep;
        _takeover = takeover;
        _handOver = handOver;
        _cancel = cancel;
        _input = input;
        _options = connection.Options;
        _timeProvider = timeProvider;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public string? InstanceName => _options.InstanceName;

    /// <summary>Runs this instance owns now, for tests.</summary>
    internal int OwnedCount => _owned.Count;

    /// <summary>Starts the rounds (once; every use of the backplane calls it).</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_started || _disposed)
            {
                return;
            }

            _started = true;
            _connection.Restored += RoundSoon;
            _connection.Failed += _takeover.OnConnectionLost;
            _timer = _timeProvider.CreateTimer(static state => ((RedisRunCoordinator)state!).RoundSoon(), this, TimeSpan.Zero, _options.LeaseRenewalInterval);
        }
    }

    public IDisposable Hold(string generationId, Action<RunSignal> onSignal)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        ArgumentNullException.ThrowIfNull(onSignal);
        Start();
        return _owned.Add(generationId, onSignal, OnReleased);
    }

    public ValueTask<bool> NotifyInputAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        Start();
        return _input.NotifyAsync(generationId, cancellationToken);
    }

    public ValueTask<bool> RequestCancelAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        Start();
        return _cancel.RequestAsync(generationId, cancellationToken);
    }

    public ValueTask<bool> TryClaimAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        Start();
        return _takeover.TryClaimAsync(generationId, cancellationToken);
    }

    public IAsyncEnumerable<string> WatchOrphanedRunsAsync(CancellationToken cancellationToken = default)
    {
        Start();
        return _takeover.WatchAsync(cancellationToken);
    }

    public ValueTask HandOverAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        return _handOver.HandOverAsync(generationId, cancellationToken);
    }

    /// <summary>Runs one round now (after any running one), for tests.</summary>
    internal async Task RoundNowAsync()
    {
        await _roundGate.WaitAsync().ConfigureAwait(false);
        try
        {
            await RoundAsync(_stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            _roundGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!BeginDispose())
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _roundGate.WaitAsync().ConfigureAwait(false);
        await _cancel.UnsubscribeAsync().ConfigureAwait(false);
        await _input.UnsubscribeAsync().ConfigureAwait(false);
        _roundGate.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Stops without waiting for a running round (it sees the cancellation and ends on its own).</summary>
    public void Dispose()
    {
        if (BeginDispose())
        {
            _stopping.Cancel();
        }
    }

    private bool BeginDispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return false;
            }

            _disposed = true;
            _timer?.Dispose();
            if (_started)
            {
                _connection.Restored -= RoundSoon;
                _connection.Failed -= _takeover.OnConnectionLost;
            }
        }

        return true;
    }

    /// <summary>The engine let go of a run: one at a review gate gives its lease up now, not at the next round.</summary>
    private void OnReleased(OwnedRun run)
    {
        CancellationToken stopping;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            stopping = _stopping.Token;
        }

        _ = _renewal.ReleaseAsync(run, stopping);
    }

    private void RoundSoon()
    {
        bool entered;
        try
        {
            entered = _roundGate.Wait(0);
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        if (!entered)
        {
            // A round is running; it does the same work.
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await RoundAsync(_stopping.Token).ConfigureAwait(false);
            }
            finally
            {
                _roundGate.Release();
            }
        });
    }

    private async Task RoundAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return;
        }

        try
        {
            var database = await _connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
            await _cancel.SubscribeAsync().ConfigureAwait(false);
            await _input.SubscribeAsync().ConfigureAwait(false);
            await _takeover.SubscribeAsync().ConfigureAwait(false);
            await _renewal.RenewAsync(database, cancellationToken).ConfigureAwait(false);
            await _sweep.SweepAsync(database, cancellationToken).ConfigureAwait(false);
            var now = _timeProvider.GetUtcNow();
            var mayTakeLapsed = _takeover.OnRoundSucceeded(now);
            OnRoundSucceeded();
            await _takeover.ScanAsync(database, now, mayTakeLapsed, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (RedisFailures.IsTransient(ex) || ex is ObjectDisposedException)
        {
            OnRoundFailed(ex);
        }
        catch (Exception ex)
        {
            // The rounds must keep going whatever happened: every run's ownership depends on them.
            Log.KeeperTickFailed(_logger, ex);
        }
    }

    private void OnRoundSucceeded()
    {
        bool recovered;
        lock (_gate)
        {
            recovered = _failing;
            _failing = false;
        }

        if (recovered)
        {
            Log.LeaseRenewalRecovered(_logger);
        }
    }

    private void OnRoundFailed(Exception exception)
    {
        _takeover.OnConnectionLost();
        bool first;
        lock (_gate)
        {
            first = !_failing;
            _failing = true;
        }

        if (first && !_stopping.IsCancellationRequested)
        {
            Log.LeaseRenewalFailed(_logger, _options.LeaseRenewalInterval, exception);
        }
    }
}
