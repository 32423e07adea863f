using Iteration.Streaming.EventLog;
using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.Diagnostics;
using Iteration.Streaming.StackExchangeRedis.Hosting;
using Iteration.Streaming.StackExchangeRedis.Scripts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.EventLog;

/// <summary>
/// The instance's one live reader of Redis: a single <c>XREAD BLOCK</c> loop on a dedicated connection over the streams
/// of every generation a local reader watches, handing what it reads to the <see cref="WatchedGeneration"/> that local
/// cursors share. However many readers watch however many generations, it is one connection and one blocked command.
/// </summary>
/// <remarks>
/// When the watched set grows while the read is blocked, an entry added to the instance's own wake-up stream (which is
/// part of every read) ends the wait; since every stream is read from an explicit last id, a wake-up sent before the
/// read reaches Redis is still seen, and no entry is missed between two reads. With nothing watched the loop waits
/// in memory and sends nothing to Redis.
/// </remarks>
internal sealed class RedisStreamTail : IAsyncDisposable, IDisposable
{
    private readonly RedisConnection _connection;
    private readonly RedisKeys _keys;
    private readonly IterationStreamingRedisOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, WatchedGeneration> _watches = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly RedisKey _wakeKey;
    private readonly List<EventLogEntry> _entries = [];
    private readonly string _wakeKeyText;
    private Task? _loop;
    private bool _inRedisRead;
    private bool _wakeSent;
    private TaskCompletionSource? _idle;
    private ConnectionMultiplexer? _dedicated;
    private Exception? _lastError;
    private DateTimeOffset? _lastErrorAt;
    private DateTimeOffset? _lastReadAt;
    private bool _failing;
    private bool _disposed;

    private readonly RedisScriptGateway _scripts;

    public RedisStreamTail(RedisConnection connection, RedisScriptGateway scripts, TimeProvider timeProvider, ILogger<RedisStreamTail>? logger = null)
    {
        _connection = connection;
        _scripts = scripts;
        _options = connection.Options;
        _keys = new RedisKeys(_options.KeyPrefix);
        _timeProvider = timeProvider;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _wakeKey = _keys.Wake(_options.InstanceName);
        _wakeKeyText = _wakeKey.ToString();
    }

    /// <summary>The tail reader's state, for the health check.</summary>
    public TailStatus Status
    {
        get
        {
            lock (_gate)
            {
                return new TailStatus(_watches.Count, _failing, _lastError, _lastErrorAt, _lastReadAt);
            }
        }
    }

    /// <summary>The generations local readers watch whose end is not known yet.</summary>
    internal List<WatchedGeneration> Unfinished()
    {
        lock (_gate)
        {
            return [.. _watches.Values.Where(static w => w.NeedsTail)];
        }
    }

    /// <summary>The watch of a generation, when local readers watch it.</summary>
    internal WatchedGeneration? Find(string generationId)
    {
        lock (_gate)
        {
            return _watches.GetValueOrDefault(generationId);
        }
    }

    /// <summary>Starts or joins the watch of a generation whose meta showed <paramref name="last"/> and <paramref name="terminal"/>.</summary>
    public WatchedGeneration Acquire(string generationId, long last, long terminal)
    {
        WatchedGeneration watch;
        bool added;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            added = !_watches.TryGetValue(generationId, out watch!);
            if (added)
            {
                watch = new WatchedGeneration(generationId, _keys.Events(generationId), _options.LocalWindowSize, last);
                _watches.Add(generationId, watch);
            }

            watch.References++;
            _loop ??= Task.Run(RunAsync);
        }

        watch.Observe(last, terminal);
        if (added && watch.NeedsTail)
        {
            OnWatchedSetGrew();
        }

        return watch;
    }

    /// <summary>Leaves a watch; the last one out removes it (the next read simply leaves its stream out).</summary>
    public void Release(WatchedGeneration watch)
    {
        lock (_gate)
        {
            if (--watch.References == 0
                && _watches.TryGetValue(watch.GenerationId, out var current)
                && ReferenceEquals(current, watch))
            {
                _watches.Remove(watch.GenerationId);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task? loop;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            loop = _loop;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_dedicated is { } dedicated)
        {
            // Ends the blocked read at once instead of waiting out its block timeout.
            await dedicated.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
        }

        if (loop is not null)
        {
            await loop.ConfigureAwait(false);
        }

        _dedicated?.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Stops without waiting: the loop sees the cancellation and ends on its own.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _stopping.Cancel();
        _dedicated?.Dispose();
    }

    private void OnWatchedSetGrew()
    {
        TaskCompletionSource? idle;
        var wake = false;
        lock (_gate)
        {
            idle = _idle;
            _idle = null;
            if (idle is null && _inRedisRead && !_wakeSent)
            {
                _wakeSent = true;
                wake = true;
            }
        }

        idle?.TrySetResult();
        if (wake)
        {
            _ = WakeAsync();
        }
    }

    private async Task WakeAsync()
    {
        try
        {
            var ttl = (long)Math.Max(60_000, _options.BlockTimeout.TotalMilliseconds * 2);
            await _scripts.WakeAsync(_wakeKey, ttl, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException or OperationCanceledException)
        {
            if (!_stopping.IsCancellationRequested)
            {
                Log.TailWakeFailed(_logger, ex);
            }
        }
    }

    private async Task RunAsync()
    {
        var stopping = _stopping.Token;
        RedisValue wakeId = "0-0";
        while (!stopping.IsCancellationRequested)
        {
            List<WatchedGeneration> watched;
            Task? idle = null;
            lock (_gate)
            {
                watched = [.. _watches.Values.Where(static w => w.NeedsTail)];
                _wakeSent = false;
                _inRedisRead = watched.Count > 0;
                if (watched.Count == 0)
                {
                    _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    idle = _idle.Task;
                }
            }

            try
            {
                if (idle is not null)
                {
                    await idle.WaitAsync(stopping).ConfigureAwait(false);
                    continue;
                }

                var result = await ReadAsync(watched, wakeId, stopping).ConfigureAwait(false);
                EndRead();
                wakeId = Dispatch(result, watched, wakeId);
                OnReadSucceeded();
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // Whatever failed, the loop must go on: every local watcher depends on it.
                EndRead();
                if (stopping.IsCancellationRequested)
                {
                    break;
                }

                OnReadFailed(ex);
                try
                {
                    await Task.Delay(_options.ReconnectDelay, _timeProvider, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    private async Task<RedisResult> ReadAsync(List<WatchedGeneration> watched, RedisValue wakeId, CancellationToken stopping)
    {
        if (_dedicated is null)
        {
            var dedicated = await _connection.ConnectDedicatedAsync("tail", _options.BlockTimeout).ConfigureAwait(false);
            _dedicated = dedicated;
            if (stopping.IsCancellationRequested)
            {
                // Disposal started while connecting; disposing twice is harmless, leaking the socket is not.
                dedicated.Dispose();
                stopping.ThrowIfCancellationRequested();
            }
        }

        var streams = watched.Count + 1;
        var args = new object[5 + (2 * streams)];
        args[0] = "COUNT";
        args[1] = _options.TailBatchSize;
        args[2] = "BLOCK";
        args[3] = (long)_options.BlockTimeout.TotalMilliseconds;
        args[4] = "STREAMS";
        for (var i = 0; i < watched.Count; i++)
        {
            args[5 + i] = watched[i].EventsKey;
            args[5 + streams + i] = watched[i].TailId;
        }

        args[5 + watched.Count] = _wakeKey;
        args[5 + streams + watched.Count] = wakeId;
        return await _dedicated.GetDatabase().ExecuteAsync("XREAD", args).WaitAsync(stopping).ConfigureAwait(false);
    }

    /// <summary>
    /// Hands each stream's new entries to its watch, one hand-over (and one wake-up of its readers) per stream per read;
    /// returns the wake-up stream's new last id. Only each frame's id and status are read: the frames go to the readers
    /// as Redis returned them.
    /// </summary>
    private RedisValue Dispatch(RedisResult result, List<WatchedGeneration> watched, RedisValue wakeId)
    {
        if (result.IsNull)
        {
            return wakeId;
        }

        // Redis answers the streams that have news in the order they were asked for, so one forward walk finds each.
        var next = 0;
        foreach (var stream in (RedisResult[])result!)
        {
            var pair = (RedisResult[])stream!;
            var key = (string?)pair[0];
            var items = (RedisResult[])pair[1]!;
            var target = Find(watched, key, ref next);
            if (target is null)
            {
                if (key == _wakeKeyText && items.Length > 0)
                {
                    wakeId = (RedisValue)((RedisResult[])items[^1]!)[0];
                }

                continue;
            }

            if (items.Length == 0)
            {
                continue;
            }

            _entries.Clear();
            var id = RedisValue.Null;
            foreach (var item in items)
            {
                var parts = (RedisResult[])item!;
                id = (RedisValue)parts[0];
                var fields = (RedisResult[])parts[1]!;
                var frame = RedisValue.Null;
                for (var f = 0; f + 1 < fields.Length; f += 2)
                {
                    if ((RedisValue)fields[f] == RedisEntries.FrameField)
                    {
                        frame = (RedisValue)fields[f + 1];
                    }
                }

                if (RedisEntries.TryRead(id, frame, out var entry, out var error))
                {
                    _entries.Add(entry!);
                }
                else
                {
                    Log.UnreadableEntry(_logger, target.GenerationId, id.ToString(), error);
                }
            }

            target.Deliver(_entries, id);
        }

        _entries.Clear();
        return wakeId;
    }

    private static WatchedGeneration? Find(List<WatchedGeneration> watched, string? key, ref int next)
    {
        if (key is null)
        {
            return null;
        }

        for (var pass = 0; pass < 2; pass++)
        {
            for (var i = pass == 0 ? next : 0; i < watched.Count; i++)
            {
                if (string.Equals(watched[i].EventsKeyText, key, StringComparison.Ordinal))
                {
                    next = i + 1;
                    return watched[i];
                }
            }
        }

        return null;
    }

    private void EndRead()
    {
        lock (_gate)
        {
            _inRedisRead = false;
        }
    }

    private void OnReadSucceeded()
    {
        bool recovered;
        lock (_gate)
        {
            recovered = _failing;
            _failing = false;
            _lastReadAt = _timeProvider.GetUtcNow();
        }

        if (recovered)
        {
            Log.TailReadRecovered(_logger);
        }
    }

    private void OnReadFailed(Exception exception)
    {
        lock (_gate)
        {
            _failing = true;
            _lastError = exception;
            _lastErrorAt = _timeProvider.GetUtcNow();
        }

        Log.TailReadFailed(_logger, _options.ReconnectDelay, exception);
    }
}
