using System.Diagnostics;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Records;

namespace Iteration.Streaming.LoadTest.Server;

/// <summary>
/// Appends events for a scenario: steady (each generation at its own rate, for a duration), bursts (events back to back),
/// or saturated (every generation appends as fast as its appends complete, for a duration).
/// </summary>
internal sealed class Producer(IGenerationEventLog eventLog, IGenerationRecordStore records, BaselineHub hub, TimeProvider timeProvider)
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(5);

    // Steady loads: how long each append took on this instance, from the event's creation (its stamp) to its completion.
    private readonly Client.LatencyHistogram _appends = new();

    public async Task<ProduceResult> RunAsync(ProduceRequest request, CancellationToken cancellationToken)
    {
        var payload = EventFactory.Payload(request.PayloadBytes);
        _appends.Reset();
        var started = Stopwatch.GetTimestamp();
        long published;
        long failures = 0;
        if (request.Saturate)
        {
            (published, failures) = await SaturateAsync(request, payload, cancellationToken);
        }
        else if (request.BurstSize > 0)
        {
            published = await BurstsAsync(request, payload, cancellationToken);
        }
        else
        {
            published = await SteadyAsync(request, payload, cancellationToken);
        }

        return new ProduceResult(
            published, Stopwatch.GetElapsedTime(started).TotalMilliseconds, failures,
            _appends.Count > 0 ? _appends.PercentileMs(50) : 0, _appends.Count > 0 ? _appends.PercentileMs(99) : 0);
    }

    public async Task EndAsync(string system, IEnumerable<string> ids)
    {
        if (system != Systems.Ours)
        {
            hub.Reset();
            return;
        }

        foreach (var id in ids)
        {
            try
            {
                await eventLog.AppendAsync(EventFactory.Terminal(id, timeProvider));
            }
            catch (InvalidOperationException)
            {
                // Ended already.
            }
            catch (GenerationNotFoundException)
            {
                // Removed already.
            }

            // Retention removes a generation by its record's end time: without it, the log would stay for good.
            await records.UpdateAsync(id, new GenerationRecordUpdate { Status = GenerationStatus.Completed });
        }
    }

    private ValueTask PublishAsync(string system, string id, long index, System.Text.Json.JsonElement? payload)
    {
        var progressEvent = EventFactory.Create(id, index, payload, timeProvider);
        if (system == Systems.Ours)
        {
            var created = Stopwatch.GetTimestamp();
            var append = eventLog.AppendAsync(progressEvent);
            return append.IsCompletedSuccessfully ? Recorded(created) : new ValueTask(TimedAsync(append, created));
        }

        hub.Publish(id, progressEvent, serialiseOnce: system == Systems.Floor);
        return ValueTask.CompletedTask;
    }

    private ValueTask Recorded(long created)
    {
        _appends.RecordTicks(Stopwatch.GetTimestamp() - created);
        return ValueTask.CompletedTask;
    }

    private async Task TimedAsync(ValueTask<Iteration.Streaming.EventLog.EventLogEntry> append, long created)
    {
        await append;
        _appends.RecordTicks(Stopwatch.GetTimestamp() - created);
    }

    private async Task<long> SteadyAsync(ProduceRequest request, System.Text.Json.JsonElement? payload, CancellationToken cancellationToken)
    {
        var ids = request.Ids;
        var rates = request.Rates ?? [];
        var durationSeconds = request.DurationMs / 1000.0;
        var sent = new long[ids.Length];
        var total = new long[ids.Length];

        // Events are due at offset + k / rate; each generation starts at its own offset within its period, so a thousand
        // 5/s generations do not all fire at once. A queue ordered by due time touches only the generations that are due,
        // so the producer's own CPU stays small next to the server's.
        var due = new PriorityQueue<int, double>(ids.Length);
        for (var i = 0; i < ids.Length; i++)
        {
            var rate = Math.Max(rates[i % rates.Length], 0.001);
            total[i] = (long)Math.Floor(durationSeconds * rate);
            if (total[i] > 0)
            {
                due.Enqueue(i, (i * 0.618033988749895 % 1.0) / rate);
            }
        }

        var pending = new List<Task>();
        var started = Stopwatch.GetTimestamp();
        using var timer = new PeriodicTimer(Tick);
        long published = 0;
        while (true)
        {
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var last = seconds >= durationSeconds;
            while (due.TryPeek(out var i, out var at) && (at <= seconds || last))
            {
                due.Dequeue();
                var publish = PublishAsync(request.System, ids[i], sent[i]++, payload);
                published++;
                if (!publish.IsCompletedSuccessfully)
                {
                    pending.Add(publish.AsTask());
                }

                if (sent[i] < total[i])
                {
                    due.Enqueue(i, at + (1 / Math.Max(rates[i % rates.Length], 0.001)));
                }
            }

            if (pending.Count > 0)
            {
                // Appends to one generation stay in order: they are awaited before its next tick.
                await Task.WhenAll(pending);
                pending.Clear();
            }

            if (last || due.Count == 0)
            {
                return published;
            }

            await timer.WaitForNextTickAsync(cancellationToken);
        }
    }

    private async Task<long> BurstsAsync(ProduceRequest request, System.Text.Json.JsonElement? payload, CancellationToken cancellationToken)
    {
        long published = 0;
        var bursts = Math.Max(1, request.Bursts);
        for (var burst = 0; burst < bursts; burst++)
        {
            if (burst > 0 && request.BurstIntervalMs > 0)
            {
                await Task.Delay(request.BurstIntervalMs, cancellationToken);
            }

            foreach (var id in request.Ids)
            {
                for (var i = 0; i < request.BurstSize; i++)
                {
                    await PublishAsync(request.System, id, published, payload);
                    published++;
                }
            }
        }

        return published;
    }

    private async Task<(long Published, long Failures)> SaturateAsync(ProduceRequest request, System.Text.Json.JsonElement? payload, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(request.DurationMs / 1000.0 * Stopwatch.Frequency);
        long published = 0;
        long failures = 0;
        var workers = request.Ids.Select(async id =>
        {
            await Task.Yield();
            long index = 0;
            while (Stopwatch.GetTimestamp() < deadline && !cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await PublishAsync(request.System, id, index++, payload);
                    Interlocked.Increment(ref published);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });
        await Task.WhenAll(workers);
        return (published, failures);
    }
}
