using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Retention;

/// <summary>
/// Deletes whole generations (record, event log, files) <see cref="IterationStreamingOptions.RetainCompletedFor"/> after
/// they ended, and the earliest ended ones beyond <see cref="IterationStreamingOptions.MaxRetainedGenerations"/>. The
/// record goes first, so nothing of a generation being deleted is served any more. Sweeps run on a timer.
/// </summary>
internal sealed class GenerationRetention : IDisposable
{
    private static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxInterval = TimeSpan.FromMinutes(1);

    private readonly IGenerationRecordStore _records;
    private readonly IGenerationEventLog _eventLog;
    private readonly IFileSink _fileSink;
    private readonly IOptionsMonitor<IterationStreamingOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Checkpoints.IPhaseCheckpointStore? _checkpoints;
    private readonly SemaphoreSlim _sweeping = new(1, 1);
    private ITimer? _timer;

    public GenerationRetention(
        IGenerationRecordStore records,
        IGenerationEventLog eventLog,
        IFileSink fileSink,
        IOptionsMonitor<IterationStreamingOptions> options,
        TimeProvider timeProvider,
        ILogger<GenerationRetention>? logger = null,
        Checkpoints.IPhaseCheckpointStore? checkpoints = null)
    {
        _checkpoints = checkpoints;
        _records = records;
        _eventLog = eventLog;
        _fileSink = fileSink;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>How often sweeps run: half the retention period, between 1 second and 1 minute.</summary>
    public TimeSpan Interval
    {
        get
        {
            var half = _options.CurrentValue.RetainCompletedFor / 2;
            return half < MinInterval ? MinInterval : half > MaxInterval ? MaxInterval : half;
        }
    }

    /// <summary>Starts sweeping on the timer; calling it again does nothing.</summary>
    public void Start()
    {
        var interval = Interval;
        var timer = _timeProvider.CreateTimer(static state => _ = ((GenerationRetention)state!).SweepAsync(CancellationToken.None), this, interval, interval);
        if (Interlocked.CompareExchange(ref _timer, timer, null) is not null)
        {
            timer.Dispose();
        }
    }

    /// <summary>Deletes what retention says must go; a sweep already running makes this one return at once.</summary>
    /// <returns>How many generations were deleted.</returns>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        if (!await _sweeping.WaitAsync(0, cancellationToken).ConfigureAwait(false))
        {
            return 0;
        }

        try
        {
            var settings = _options.CurrentValue;
            var ended = await _records.ListEndedAsync(cancellationToken).ConfigureAwait(false);
            var now = _timeProvider.GetUtcNow();
            var overflow = ended.Count - settings.MaxRetainedGenerations;
            var deleted = 0;
            for (var i = 0; i < ended.Count; i++)
            {
                var record = ended[i];
                var expired = record.EndedAt is { } endedAt && now >= endedAt + settings.RetainCompletedFor;
                if (!expired && i >= overflow)
                {
                    // Ordered by end time: the rest is younger and within the count.
                    break;
                }

                if (await DeleteAsync(record.GenerationId, cancellationToken).ConfigureAwait(false))
                {
                    deleted++;
                }
            }

            return deleted;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.RetentionSweepFailed(_logger, ex);
            return 0;
        }
        finally
        {
            _sweeping.Release();
        }
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _timer, null)?.Dispose();
        _sweeping.Dispose();
    }

    private async Task<bool> DeleteAsync(string generationId, CancellationToken cancellationToken)
    {
        try
        {
            await _records.DeleteAsync(generationId, cancellationToken).ConfigureAwait(false);
            await _eventLog.DeleteAsync(generationId, cancellationToken).ConfigureAwait(false);
            await _fileSink.DeleteAsync(generationId, cancellationToken).ConfigureAwait(false);
            if (_checkpoints is not null)
            {
                await _checkpoints.DeleteAsync(generationId, cancellationToken).ConfigureAwait(false);
            }
            Log.GenerationDeleted(_logger, generationId);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.GenerationDeleteFailed(_logger, generationId, ex);
            return false;
        }
    }
}
