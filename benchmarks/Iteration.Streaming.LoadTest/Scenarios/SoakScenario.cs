using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.LoadTest.Client;
using Iteration.Streaming.LoadTest.Server;

namespace Iteration.Streaming.LoadTest.Scenarios;

/// <summary>
/// <c>--soak DURATION</c>: a durable server (SQLite store, file-system sink, retention on a short period) runs real
/// generations for the whole duration while simulated users start them, watch each with 1–3 streams that drop and
/// resume by <c>Last-Event-ID</c> at random, cancel some, retry the failed ones and download files. Every sampling
/// interval the server's live heap (after a full collection), RSS, open handles and threads are read; the report says
/// whether they stay flat (within ±5 % of the first sample after warm-up).
/// </summary>
internal static class SoakScenario
{
    private const double FlatTolerance = 0.05;

    public static async Task<string> RunAsync(TimeSpan duration, TimeSpan sampleEvery, int users, TimeSpan warmUp)
    {
        var dataFolder = Directory.CreateTempSubdirectory("iteration-soak-").FullName;
        try
        {
            await using var server = await ServerProcess.StartAsync("soak", null, "--soak", dataFolder);
            LoadTestContext.Log($"soak: server process {server.ProcessId} on {server.BaseAddress}, data in {dataFolder}; {users} users for {duration}, sampling every {sampleEvery}");
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 1_000 })
            {
                BaseAddress = server.BaseAddress,
                Timeout = Timeout.InfiniteTimeSpan,
            };
            var counters = new SoakCounters();
            using var stop = new CancellationTokenSource(duration);
            var started = Stopwatch.GetTimestamp();
            var samples = new List<Sample> { await SampleAsync(server, counters, TimeSpan.Zero) };
            LoadTestContext.Log("  " + samples[^1]);
            var workers = Enumerable.Range(0, users).Select(i => Task.Run(() => UserLoopAsync(http, i, counters, stop.Token))).ToArray();
            using (var timer = new PeriodicTimer(sampleEvery))
            {
                while (await timer.WaitForNextTickAsync(CancellationToken.None) && !stop.IsCancellationRequested)
                {
                    samples.Add(await SampleAsync(server, counters, Stopwatch.GetElapsedTime(started)));
                    LoadTestContext.Log("  " + samples[^1]);
                }
            }

            await Task.WhenAll(workers);
            samples.Add(await SampleAsync(server, counters, Stopwatch.GetElapsedTime(started)));
            LoadTestContext.Log("  " + samples[^1] + " (after the last user stopped)");
            return Report(duration, sampleEvery, users, warmUp, samples, counters);
        }
        finally
        {
            try
            {
                Directory.Delete(dataFolder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Parses <c>600</c>, <c>90s</c>, <c>10m</c>, <c>1h</c> or <c>00:10:00</c>.</summary>
    public static TimeSpan ParseDuration(string text)
    {
        if (TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out var exact) && text.Contains(':', StringComparison.Ordinal))
        {
            return exact;
        }

        var (number, unit) = char.IsLetter(text[^1]) ? (text[..^1], text[^1]) : (text, 's');
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            throw new ArgumentException($"'{text}' is not a duration: use e.g. 600, 90s, 10m, 1h or 00:10:00.");
        }

        return unit switch
        {
            's' => TimeSpan.FromSeconds(value),
            'm' => TimeSpan.FromMinutes(value),
            'h' => TimeSpan.FromHours(value),
            _ => throw new ArgumentException($"'{text}' has an unknown unit '{unit}': use s, m or h."),
        };
    }

    private static async Task<Sample> SampleAsync(ServerProcess server, SoakCounters counters, TimeSpan at)
    {
        var stats = await server.CollectAsync(Systems.Ours);
        return new Sample(at, stats.HeapBytes, stats.RssBytes, stats.OpenHandles, stats.ThreadCount, counters.Snapshot());
    }

    private static async Task UserLoopAsync(HttpClient http, int user, SoakCounters counters, CancellationToken stop)
    {
        var random = new Random(user * 7919 + 17);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await OneGenerationAsync(http, random, counters, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidOperationException or JsonException)
            {
                counters.Error(ex.Message);
            }
        }
    }

    private static async Task OneGenerationAsync(HttpClient http, Random random, SoakCounters counters, CancellationToken stop)
    {
        var fails = random.NextDouble() < 0.15;
        var entities = random.Next(2) == 0 ? new[] { "User" } : new[] { "User", "Order" };
        var body = new { prompt = fails ? "Build a shop [fail]" : "Build a shop", entities };
        using var response = await http.PostAsJsonAsync("generations", body, stop);
        if (response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests)
        {
            counters.Refused();
            await Task.Delay(TimeSpan.FromSeconds(1), stop);
            return;
        }

        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"start answered {(int)response.StatusCode}");
        }

        var started = (await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse, stop))!;
        counters.Started();
        var outcome = await WatchAndActAsync(http, random, started, counters, cancels: random.NextDouble() < 0.1, stop);
        if (outcome == GenerationStatus.Failed)
        {
            using var retry = new HttpRequestMessage(HttpMethod.Post, $"generations/{started.GenerationId}/retry");
            retry.Headers.Authorization = new AuthenticationHeaderValue("Bearer", started.ControlToken);
            using var retried = await http.SendAsync(retry, stop);
            if (retried.StatusCode != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"retry answered {(int)retried.StatusCode}");
            }

            var child = (await retried.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse, stop))!;
            counters.Retried();
            var retriedOutcome = await WatchAndActAsync(http, random, child, counters, cancels: false, stop);
            if (retriedOutcome != GenerationStatus.Completed)
            {
                throw new InvalidOperationException($"the retry of {started.GenerationId} ended {retriedOutcome}");
            }
        }
    }

    /// <summary>Watches a generation with 1–3 streams (some dropping and resuming) to its end; may cancel it, may download it.</summary>
    private static async Task<string> WatchAndActAsync(HttpClient http, Random random, GenerationStartedResponse started, SoakCounters counters, bool cancels, CancellationToken stop)
    {
        var watchers = random.Next(1, 4);
        var drops = Enumerable.Range(0, watchers).Select(_ => random.NextDouble() < 0.4 ? random.Next(1, 6) : 0).ToArray();
        var watching = drops.Select(d => WatchAsync(http, started, d, counters, stop)).ToArray();
        if (cancels)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(100, 1_500)), stop);
            using var cancel = new HttpRequestMessage(HttpMethod.Delete, $"generations/{started.GenerationId}");
            cancel.Headers.Authorization = new AuthenticationHeaderValue("Bearer", started.ControlToken);
            using var cancelled = await http.SendAsync(cancel, stop);
            if (cancelled.StatusCode is not (HttpStatusCode.Accepted or HttpStatusCode.Conflict))
            {
                throw new InvalidOperationException($"cancel answered {(int)cancelled.StatusCode}");
            }
        }

        var outcomes = await Task.WhenAll(watching);
        if (outcomes.Distinct().Count() != 1)
        {
            throw new InvalidOperationException($"watchers of {started.GenerationId} saw different ends: {string.Join(", ", outcomes)}");
        }

        counters.Ended(outcomes[0]);
        if (outcomes[0] == GenerationStatus.Completed && random.NextDouble() < 0.2)
        {
            using var archive = await http.GetAsync($"generations/{started.GenerationId}/archive?token={started.SseToken}", HttpCompletionOption.ResponseHeadersRead, stop);
            archive.EnsureSuccessStatusCode();
            await using var content = await archive.Content.ReadAsStreamAsync(stop);
            await content.CopyToAsync(Stream.Null, stop);
            counters.Downloaded();
        }

        return outcomes[0];
    }

    /// <summary>Reads one watcher's stream to the terminal event, dropping the connection <paramref name="drops"/> times after a few events.</summary>
    private static async Task<string> WatchAsync(HttpClient http, GenerationStartedResponse started, int drops, SoakCounters counters, CancellationToken stop)
    {
        long last = 0;
        var random = new Random(HashCode.Combine(started.GenerationId, drops));
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"generations/{started.GenerationId}/stream?token={started.SseToken}");
            if (last > 0)
            {
                request.Headers.TryAddWithoutValidation("Last-Event-ID", last.ToString(CultureInfo.InvariantCulture));
            }

            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop);
            if (response.StatusCode == HttpStatusCode.NoContent)
            {
                throw new InvalidOperationException($"204 for {started.GenerationId} before this watcher saw its terminal event");
            }

            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync(stop);
            var dropAfter = drops > 0 ? random.Next(1, 8) : int.MaxValue;
            var read = 0;
            await foreach (var item in SseParser.Create(body).EnumerateAsync(stop))
            {
                if (item.EventId is null)
                {
                    continue;
                }

                var id = long.Parse(item.EventId, CultureInfo.InvariantCulture);
                if (id != last + 1)
                {
                    counters.IdError($"{started.GenerationId}: id {id} after {last}");
                }

                last = id;
                var progress = JsonSerializer.Deserialize(item.Data, IterationStreamingJson.StreamingProgressEvent)!;
                if (progress.Status is GenerationStatus.Completed or GenerationStatus.Failed or GenerationStatus.Cancelled)
                {
                    return progress.Status;
                }

                if (++read == dropAfter)
                {
                    break;
                }
            }

            if (read == dropAfter)
            {
                drops--;
                counters.Reconnected();
            }
        }
    }

    private static string Report(TimeSpan duration, TimeSpan sampleEvery, int users, TimeSpan warmUp, List<Sample> samples, SoakCounters counters)
    {
        // The last sample is taken after the users stopped: less load, not a trend.
        // The last sample is taken after the users stopped: less load, not a trend.
        var steady = samples.Take(samples.Count - 1).Where(s => s.At >= warmUp).ToList();
        if (steady.Count < 2)
        {
            steady = samples.Take(Math.Max(1, samples.Count - 1)).ToList();
        }

        // Flat = no trend: the mean of the second half of the steady samples within ±5 % of the first half's. The spread
        // around the mean is shown beside it (in-flight generations and the thread pool make a few % of noise).
        static (double Drift, double Spread) Flatness(IReadOnlyList<double> values)
        {
            var half = values.Count / 2;
            var first = values.Take(Math.Max(1, half)).Average();
            var second = values.Skip(half).Average();
            var mean = values.Average();
            return ((second - first) / first, values.Max(v => Math.Abs(v - mean)) / mean);
        }

        var heap = Flatness(steady.Select(s => (double)s.HeapBytes).ToList());
        var rss = Flatness(steady.Select(s => (double)s.RssBytes).ToList());
        var handles = Flatness(steady.Select(s => (double)s.Handles).ToList());
        var threads = Flatness(steady.Select(s => (double)s.Threads).ToList());
        string Verdict((double Drift, double Spread) f) => (Math.Abs(f.Drift) <= FlatTolerance ? "flat" : "**not flat**")
            + string.Create(CultureInfo.InvariantCulture, $" (drift {f.Drift:+0.0%;-0.0%;0.0%}, spread ±{f.Spread:0.0%})");
        var totals = counters.Snapshot();

        var report = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Soak: {duration} with {users} users (1–3 watchers each, random drops and resumes, 10 % cancelled, 15 % failing once then retried, 20 % downloaded); server: SQLite store + file-system sink, RetainCompletedFor {SoakServer.RetainCompletedFor.TotalSeconds:F0} s; sampled every {sampleEvery.TotalSeconds:F0} s after a full GC; warm-up {warmUp.TotalSeconds:F0} s.")
            .AppendLine()
            .AppendLine("| at | heap (MB, live) | RSS (MB) | open handles | threads | started | completed | failed | cancelled | retried | reconnects | downloads | id errors | other errors |")
            .AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var s in samples)
        {
            var c = s.Counters;
            report.AppendLine(CultureInfo.InvariantCulture, $"| {s.At:mm\\:ss} | {s.HeapBytes / 1048576.0:F1} | {s.RssBytes / 1048576.0:F1} | {s.Handles} | {s.Threads} | {c.Started:N0} | {c.Completed:N0} | {c.Failed:N0} | {c.Cancelled:N0} | {c.Retried:N0} | {c.Reconnects:N0} | {c.Downloads:N0} | {c.IdErrors} | {c.Errors} |");
        }

        report.AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"From {steady[0].At:mm\\:ss} to {steady[^1].At:mm\\:ss} (after warm-up), second half against first half: heap {Verdict(heap)}, RSS {Verdict(rss)}, handles {Verdict(handles)}, threads {Verdict(threads)}.")
            .AppendLine(CultureInfo.InvariantCulture, $"Id errors (a watcher saw a gap or a duplicate): {totals.IdErrors}; other errors: {totals.Errors}{(counters.FirstError is { } first ? $" (first: {first})" : string.Empty)}.");
        return report.ToString();
    }

    private sealed record Sample(TimeSpan At, long HeapBytes, long RssBytes, int Handles, int Threads, CounterSnapshot Counters)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{At:mm\\:ss} heap {HeapBytes / 1048576.0:F1} MB, RSS {RssBytes / 1048576.0:F1} MB, {Handles} handles, {Threads} threads; {Counters.Started} started, {Counters.Completed} completed, {Counters.IdErrors} id errors, {Counters.Errors} errors");
    }

    private sealed record CounterSnapshot(long Started, long Completed, long Failed, long Cancelled, long Retried, long Reconnects, long Downloads, long Refused, long IdErrors, long Errors);

    private sealed class SoakCounters
    {
        private long _started;
        private long _completed;
        private long _failed;
        private long _cancelled;
        private long _retried;
        private long _reconnects;
        private long _downloads;
        private long _refused;
        private long _idErrors;
        private long _errors;

        public string? FirstError { get; private set; }

        public void Started() => Interlocked.Increment(ref _started);

        public void Retried() => Interlocked.Increment(ref _retried);

        public void Reconnected() => Interlocked.Increment(ref _reconnects);

        public void Downloaded() => Interlocked.Increment(ref _downloads);

        public void Refused() => Interlocked.Increment(ref _refused);

        public void Ended(string status)
        {
            _ = status switch
            {
                GenerationStatus.Completed => Interlocked.Increment(ref _completed),
                GenerationStatus.Failed => Interlocked.Increment(ref _failed),
                _ => Interlocked.Increment(ref _cancelled),
            };
        }

        public void IdError(string message)
        {
            Interlocked.Increment(ref _idErrors);
            FirstError ??= message;
        }

        public void Error(string message)
        {
            Interlocked.Increment(ref _errors);
            FirstError ??= message;
        }

        public CounterSnapshot Snapshot() => new(
            Interlocked.Read(ref _started),
            Interlocked.Read(ref _completed),
            Interlocked.Read(ref _failed),
            Interlocked.Read(ref _cancelled),
            Interlocked.Read(ref _retried),
            Interlocked.Read(ref _reconnects),
            Interlocked.Read(ref _downloads),
            Interlocked.Read(ref _refused),
            Interlocked.Read(ref _idErrors),
            Interlocked.Read(ref _errors));
    }
}
