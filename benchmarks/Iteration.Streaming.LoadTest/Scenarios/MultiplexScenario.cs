using System.Diagnostics;
using System.Globalization;
using Iteration.Streaming.LoadTest.Charts;
using Iteration.Streaming.LoadTest.Client;
using Iteration.Streaming.LoadTest.Server;

namespace Iteration.Streaming.LoadTest.Scenarios;

/// <summary>
/// (6) Multiplex (issue 25): W watchers each follow the same 20 generations over ONE multiplexed stream
/// (<c>POST /generations/watch</c> per watcher, then <c>GET /generations/stream?token=</c>), against 20 × W single
/// streams (W per generation) carrying the same events: two phases of one fresh server process, the same generator
/// timing in each (a steady rate per generation, then bursts). Reports server CPU per delivery, memory per connection and
/// per watcher, latency and burst gaps for both, and checks that every watcher got every event of every member exactly
/// once, in order.
/// </summary>
/// <remarks>
/// The multiplexed phase runs first, on the warmed server: its RSS figure starts from a clean process, while the single
/// streams' RSS may reuse memory the first phase freed (it can only read low, which favours the single streams).
/// </remarks>
internal static class MultiplexScenario
{
    public const string Name = "multiplex";
    public const string Single = "single";
    public const string Multiplexed = "multiplexed";

    /// <summary>The scenario key of the comparison rows (systems <see cref="Single"/> and <see cref="Multiplexed"/>).</summary>
    public const string Comparison = "multiplex comparison";

    /// <summary>How many generations every watcher follows.</summary>
    public const int Members = 20;

    private const double Rate = 2;

    public static async Task RunAsync(LoadTestContext context)
    {
        if (!context.Options.Runs(Systems.Ours))
        {
            LoadTestContext.Log("multiplex: measures ours only; skipped (--systems has no 'ours').");
            return;
        }

        // 20,000 single streams need 20,000 descriptors in the server process (its hard open-file limit here is 20,000):
        // the watchers per generation are fitted to --max-streams, as the idle scenario is.
        var watchers = Math.Min(context.Quick ? 100 : 1_000, context.Options.MaxStreams / Members);
        var plan = new Plan(
            watchers,
            DurationMs: context.Options.SteadyMs > 0 ? context.Options.SteadyMs : context.Quick ? 2_000 : 5_000,
            Burst: context.Quick ? 10 : 25,
            Bursts: context.Options.Bursts ?? (context.Quick ? 3 : 5));
        LoadTestContext.Log($"multiplex: {watchers:N0} watchers × {Members} generations, {Rate} ev/s per generation for {plan.DurationMs / 1000.0:F0} s, "
            + $"then {plan.Bursts} bursts of {plan.Burst} events per generation; on a fresh server process");

        await using var server = await ServerProcess.StartAsync("multiplex");
        LoadTestContext.Log($"  server process {server.ProcessId} listening on {server.BaseAddress}");
        var local = new LoadTestContext(context.Options, server, context.Table, context.Charts);
        await LoadTestContext.WarmUpAsync(server, server, Systems.Ours);
        try
        {
            await WarmUpMultiplexedAsync(server);
        }
        catch (HttpRequestException ex)
        {
            LoadTestContext.Log($"multiplex: the server does not serve multiplexed streams ({ex.Message}); skipped.");
            context.Table.Add(plan.Label, "errors", Systems.Ours, 1, higherIsBetter: false);
            return;
        }

        // Tiered compilation recompiles the warmed-up methods in the background for seconds after: measured, that JIT
        // work landed on the first phase (hundreds of methods a second). Both phases start once it has settled.
        var jit = await WaitForQuietJitAsync(server);
        LoadTestContext.Log($"  warmed up (single and multiplexed streams); {jit.Compiled:N0} methods JIT-compiled, the last second {jit.LastSecond}");

        var multiplexed = await RunPhaseAsync(local, plan, multiplexed: true);
        var single = await RunPhaseAsync(local, plan, multiplexed: false);
        Compare(local, plan, single, multiplexed);
    }

    /// <summary>The sizes and timing of both phases.</summary>
    private sealed record Plan(int Watchers, int DurationMs, int Burst, int Bursts)
    {
        public long SteadyPerGeneration => (long)Math.Floor(DurationMs / 1000.0 * Rate);

        /// <summary>Stamped events each generation has by the end: the one written before the streams opened, steady, bursts.</summary>
        public long EventsPerGeneration => 1 + SteadyPerGeneration + ((long)Bursts * Burst);

        public string Label => string.Create(CultureInfo.InvariantCulture, $"multiplex: {Watchers:N0} watchers × {Members} generations");
    }

    /// <summary>One phase's figures, for the comparison.</summary>
    private sealed record Phase(
        string Mode,
        int Connections,
        Measurement Steady,
        double SteadyP50,
        double SteadyP99,
        Measurement Bursts,
        double BurstP99,
        double MedianBurstRate,
        double WorstGapMs,
        int Stalls,
        double HeapPerConnectionKB,
        double RssPerConnectionKB,
        double OpenSeconds,
        double BytesPerDelivery,
        long LongestCursor,
        long CheckFailures,
        long PairsChecked,
        long JitDuringMeasurement);

    private static async Task<Phase> RunPhaseAsync(LoadTestContext context, Plan plan, bool multiplexed)
    {
        var server = context.Server;
        var mode = multiplexed ? Multiplexed : Single;
        var connectionsWanted = multiplexed ? plan.Watchers : plan.Watchers * Members;
        var title = multiplexed
            ? $"{plan.Label}, one multiplexed stream each ({connectionsWanted:N0} connections)"
            : $"{plan.Label}, single streams ({connectionsWanted:N0} connections)";
        LoadTestContext.Log(title);

        // Each generation has one event before anything opens: a multiplexed stream (from=now) starts each member at its
        // latest event and a single stream replays from the start, so every stream gets it first, which tells that
        // every member is subscribed before anything is produced.
        var generations = await server.CreateAsync(Systems.Ours, Members, prefill: 1);
        var ids = generations.Select(g => g.Id).ToArray();
        var members = new MemberIndex(ids);
        var tokens = new string[multiplexed ? plan.Watchers : 0];
        if (multiplexed)
        {
            // One watch set per watcher, as 1,000 dashboards would each name theirs (the tokens are not server state).
            await Parallel.ForAsync(0, tokens.Length, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
                tokens[i] = await server.WatchAsync(generations, ct));
        }

        var metrics = new ScenarioMetrics { RecordLatency = false };
        var before = await server.CollectAsync(Systems.Ours);
        Phase phase;
        await using (var client = new LoadClient(server, metrics))
        {
            var opening = multiplexed
                ? await client.OpenMultiplexedAsync(tokens, _ => new DeliveryLedger(members), TimeSpan.FromSeconds(120))
                : await client.OpenAsync(Systems.Ours, generations.SelectMany(g => Enumerable.Repeat(g, plan.Watchers)).ToArray(), timeout: TimeSpan.FromSeconds(120), ledgerOf: _ => new DeliveryLedger(members));
            var connections = client.Connections.Count;
            var perConnection = multiplexed ? Members : 1;
            var initial = (long)connections * perConnection;
            if (!await WaitUntilAsync(() => metrics.Deliveries >= initial, TimeSpan.FromSeconds(60)))
            {
                metrics.Error($"Only {metrics.Deliveries:N0} of the {initial:N0} first events arrived within 60 s of opening.");
            }

            var after = await server.CollectAsync(Systems.Ours);
            var heapPerConnection = (after.HeapBytes - before.HeapBytes) / 1024.0 / connections;
            var rssPerConnection = (after.RssBytes - before.RssBytes) / 1024.0 / connections;
            LoadTestContext.Log($"  {connections:N0} connections open in {opening.TotalSeconds:F1} s, every member subscribed; heap {heapPerConnection:F2} KB, RSS {rssPerConnection:F2} KB per connection");

            // Steady: every generation at the same rate, events spread over its period by the producer.
            var jitBefore = (await server.StatsAsync(Systems.Ours)).JitCompiledMethods;
            metrics.Reset();
            metrics.RecordLatency = true;
            var steadyExpected = (long)connections * perConnection * plan.SteadyPerGeneration;
            var steady = await context.MeasureAsync(
                Systems.Ours,
                metrics,
                () => server.ProduceAsync(new ProduceRequest(Systems.Ours, ids, Rates: [Rate], DurationMs: plan.DurationMs)),
                () => metrics.Deliveries >= steadyExpected,
                TimeSpan.FromSeconds(30));
            var steadyScenario = string.Create(CultureInfo.InvariantCulture, $"{plan.Label}, steady {Rate} ev/s per generation: {mode} ({connections:N0} connections)");
            context.Record(steadyScenario, Systems.Ours, steady, metrics);
            var steadyP50 = metrics.Latency.PercentileMs(50);
            var steadyP99 = metrics.Latency.PercentileMs(99);
            var bytesPerDelivery = (double)metrics.BytesReceived / Math.Max(1, metrics.Deliveries);

            // Bursts: every generation appends its burst back to back, one generation after the other. Deliveries and latency
            // are counted over all bursts, the gap per burst.
            metrics.Reset();
            var burstScenario = $"{plan.Label}, bursts of {plan.Burst} per generation: {mode} ({connections:N0} connections)";
            var perBurst = (long)connections * perConnection * plan.Burst;
            var results = new List<(double Rate, double Gap, long[] Curve)>();
            var total = new Measurement(TimeSpan.Zero, 0, TimeSpan.Zero, TimeSpan.Zero, true, 0);
            for (var i = 0; i < plan.Bursts; i++)
            {
                metrics.Timeline.Start();
                var delivered = metrics.Deliveries;
                var burst = await context.MeasureAsync(
                    Systems.Ours,
                    metrics,
                    () => server.ProduceAsync(new ProduceRequest(Systems.Ours, ids, BurstSize: plan.Burst, Bursts: 1)),
                    () => metrics.Deliveries - delivered >= perBurst,
                    TimeSpan.FromSeconds(30));
                burst = burst with { Deliveries = burst.Deliveries - delivered };
                results.Add((burst.DeliveriesPerSecond, metrics.Timeline.LargestGap().TotalMilliseconds, metrics.Timeline.Curve(TimeSpan.FromMilliseconds(1))));
                total = new Measurement(
                    total.Elapsed + burst.Elapsed,
                    total.Deliveries + burst.Deliveries,
                    total.ServerCpu + burst.ServerCpu,
                    total.ClientCpu + burst.ClientCpu,
                    total.Complete && burst.Complete,
                    total.ServerAllocatedBytes + burst.ServerAllocatedBytes);
            }

            context.Record(burstScenario, Systems.Ours, total, metrics);
            var rates = results.Select(r => r.Rate).Order().ToList();
            var gaps = results.Select(r => r.Gap).Order().ToList();
            var stalls = gaps.Count(g => g > 100);
            context.Table.Add(burstScenario, $"deliveries/s, median of {plan.Bursts} bursts", Systems.Ours, rates[rates.Count / 2], higherIsBetter: true);
            context.Table.Add(burstScenario, $"deliveries/s, min of {plan.Bursts} bursts", Systems.Ours, rates[0], higherIsBetter: true);
            context.Table.Add(burstScenario, $"largest gap between deliveries, median of {plan.Bursts} bursts (ms)", Systems.Ours, gaps[gaps.Count / 2], higherIsBetter: false);
            context.Table.Add(burstScenario, $"largest gap between deliveries, max of {plan.Bursts} bursts (ms)", Systems.Ours, gaps[^1], higherIsBetter: false);
            context.Table.Add(burstScenario, "bursts with a gap above 100 ms", Systems.Ours, stalls, higherIsBetter: false);
            LoadTestContext.Log($"  {mode}: {plan.Bursts} bursts, deliveries/s {rates[0]:N0}–{rates[^1]:N0}; largest gap per burst {gaps[0]:F0}–{gaps[^1]:F0} ms, {stalls} above 100 ms");
            var median = results.OrderBy(r => r.Rate).ElementAt(results.Count / 2);
            context.Charts.Add(new BurstCurve(burstScenario, plan.Watchers, mode, BurstKind.Median, median.Rate, median.Gap, median.Curve));
            var worst = results.MaxBy(r => r.Gap);
            context.Charts.Add(new BurstCurve(burstScenario, plan.Watchers, mode, BurstKind.Worst, worst.Rate, worst.Gap, worst.Curve));
            var burstP99 = metrics.Latency.PercentileMs(99);
            var jitDuring = (await server.StatsAsync(Systems.Ours)).JitCompiledMethods - jitBefore;

            // The end: every generation's terminal event; each stream ends after it (a multiplexed one after its last member's).
            await server.EndAsync(Systems.Ours, ids);
            if (!await WaitUntilAsync(() => metrics.Ended >= connections - metrics.Errors, TimeSpan.FromSeconds(30)))
            {
                LoadTestContext.Log($"  {mode}: {connections - metrics.Ended:N0} of {connections:N0} streams had not ended 30 s after every generation's terminal event.");
            }

            var (failures, pairs) = Check(client, plan, members, multiplexed, metrics);
            context.Table.Add(steadyScenario, "delivery check failures (missing, duplicate or reordered events; streams not ended)", Systems.Ours, failures, higherIsBetter: false);
            context.Table.Add($"{plan.Label}, memory: {mode} ({connections:N0} connections)", "managed heap per connection (KB)", Systems.Ours, heapPerConnection, higherIsBetter: false);
            context.Table.Add($"{plan.Label}, memory: {mode} ({connections:N0} connections)", "RSS per connection (KB)", Systems.Ours, rssPerConnection, higherIsBetter: false);
            phase = new Phase(
                mode,
                connections,
                steady,
                steadyP50,
                steadyP99,
                total,
                burstP99,
                rates[rates.Count / 2],
                gaps[^1],
                stalls,
                heapPerConnection,
                rssPerConnection,
                opening.TotalSeconds,
                bytesPerDelivery,
                metrics.LongestId,
                failures,
                pairs,
                jitDuring);
        }

        await context.EndAsync(Systems.Ours, generations);
        return phase;
    }

    /// <summary>
    /// Every connection's ledger against what was produced: each (watcher, generation) pair must have every stamped
    /// event exactly once in order and the terminal event once, and every stream must have ended. Returns the failures
    /// and how many pairs were checked.
    /// </summary>
    private static (long Failures, long Pairs) Check(LoadClient client, Plan plan, MemberIndex members, bool multiplexed, ScenarioMetrics metrics)
    {
        long missing = 0, extra = 0, terminals = 0, pairs = 0;
        long outOfOrder = metrics.OrderErrors, foreign = 0;
        for (var c = 0; c < client.Connections.Count; c++)
        {
            var ledger = client.Connections[c].Ledger!;
            outOfOrder += ledger.OutOfOrder;
            foreign += ledger.Foreign;
            for (var m = 0; m < members.Count; m++)
            {
                // Single streams were opened generation by generation, Watchers each.
                var follows = multiplexed || c / plan.Watchers == m;
                var expected = follows ? plan.EventsPerGeneration : 0;
                var got = ledger.Stamped(m);
                pairs += follows ? 1 : 0;
                missing += Math.Max(0, expected - got);
                extra += Math.Max(0, got - expected);
                terminals += ledger.Unstamped(m) == (follows ? 1 : 0) ? 0 : 1;
            }
        }

        var notEnded = Math.Max(0, client.Connections.Count - metrics.Ended);
        var failures = missing + extra + terminals + outOfOrder + foreign + notEnded + metrics.Errors;
        LoadTestContext.Log($"  delivery check: {pairs:N0} watcher × generation pairs, {plan.EventsPerGeneration} events + the terminal one each: "
            + (failures == 0
                ? "every event exactly once, in order; every stream ended"
                : $"{missing:N0} missing, {extra:N0} extra, {outOfOrder:N0} duplicate or out of order, {terminals:N0} pairs without exactly one terminal event, "
                    + $"{foreign:N0} of another generation, {notEnded:N0} streams not ended, {metrics.Errors:N0} errors" + (metrics.FirstError is null ? string.Empty : $" (first: {metrics.FirstError})")));
        return (failures, pairs);
    }

    /// <summary>The comparison rows (multiplexed against single, per run) and the chart's figures.</summary>
    private static void Compare(LoadTestContext context, Plan plan, Phase single, Phase multiplexed)
    {
        void Row(string metric, double singleValue, double multiplexedValue, bool higherIsBetter = false)
        {
            context.Table.Add(Comparison, metric, Single, singleValue, higherIsBetter);
            context.Table.Add(Comparison, metric, Multiplexed, multiplexedValue, higherIsBetter);
        }

        Row("connections", single.Connections, multiplexed.Connections);
        Row("server CPU per delivery, steady (µs)", single.Steady.ServerCpuMicrosecondsPerDelivery, multiplexed.Steady.ServerCpuMicrosecondsPerDelivery);
        Row("server CPU per delivery, bursts (µs)", single.Bursts.ServerCpuMicrosecondsPerDelivery, multiplexed.Bursts.ServerCpuMicrosecondsPerDelivery);
        Row("server allocated per delivery, steady (B)", single.Steady.AllocatedBytesPerDelivery, multiplexed.Steady.AllocatedBytesPerDelivery);
        Row("server allocated per delivery, bursts (B)", single.Bursts.AllocatedBytesPerDelivery, multiplexed.Bursts.AllocatedBytesPerDelivery);
        Row("load generator CPU per delivery, steady (µs)", single.Steady.ClientCpu.TotalMicroseconds / single.Steady.Deliveries, multiplexed.Steady.ClientCpu.TotalMicroseconds / multiplexed.Steady.Deliveries);
        Row("bytes received per delivery, steady", single.BytesPerDelivery, multiplexed.BytesPerDelivery);
        Row("latency p50, steady (ms)", single.SteadyP50, multiplexed.SteadyP50);
        Row("latency p99, steady (ms)", single.SteadyP99, multiplexed.SteadyP99);
        Row("latency p99, bursts (ms)", single.BurstP99, multiplexed.BurstP99);
        Row("deliveries/s, median burst", single.MedianBurstRate, multiplexed.MedianBurstRate, higherIsBetter: true);
        Row("largest gap, worst burst (ms)", single.WorstGapMs, multiplexed.WorstGapMs);
        Row($"bursts with a gap above 100 ms (of {plan.Bursts})", single.Stalls, multiplexed.Stalls);
        Row("managed heap per connection (KB)", single.HeapPerConnectionKB, multiplexed.HeapPerConnectionKB);
        Row("RSS per connection (KB)", single.RssPerConnectionKB, multiplexed.RssPerConnectionKB);
        Row($"managed heap per watcher of {Members} generations (KB)", single.HeapPerConnectionKB * Members, multiplexed.HeapPerConnectionKB);
        Row($"RSS per watcher of {Members} generations (KB)", single.RssPerConnectionKB * Members, multiplexed.RssPerConnectionKB);
        Row("time to open every stream (s)", single.OpenSeconds, multiplexed.OpenSeconds);
        Row("longest id: line (B)", double.NaN, multiplexed.LongestCursor);
        Row("delivery check failures", single.CheckFailures, multiplexed.CheckFailures);
        Row("methods JIT-compiled in the server during the measured windows", single.JitDuringMeasurement, multiplexed.JitDuringMeasurement);

        var steadyRatio = multiplexed.Steady.ServerCpuMicrosecondsPerDelivery / single.Steady.ServerCpuMicrosecondsPerDelivery;
        var burstRatio = multiplexed.Bursts.ServerCpuMicrosecondsPerDelivery / single.Bursts.ServerCpuMicrosecondsPerDelivery;
        LoadTestContext.Log(string.Create(CultureInfo.InvariantCulture,
            $"  multiplexed ÷ single, server CPU per delivery: steady ×{steadyRatio:F2} ({multiplexed.Steady.ServerCpuMicrosecondsPerDelivery:F2} vs {single.Steady.ServerCpuMicrosecondsPerDelivery:F2} µs), "
            + $"bursts ×{burstRatio:F2} ({multiplexed.Bursts.ServerCpuMicrosecondsPerDelivery:F2} vs {single.Bursts.ServerCpuMicrosecondsPerDelivery:F2} µs); "
            + $"heap per watcher {multiplexed.HeapPerConnectionKB:F1} vs {single.HeapPerConnectionKB * Members:F1} KB; longest cursor {multiplexed.LongestCursor} B"));

        foreach (var phase in new[] { single, multiplexed })
        {
            context.Charts.Add(new MultiplexSample(
                phase.Mode,
                phase.Steady.ServerCpuMicrosecondsPerDelivery,
                phase.Bursts.ServerCpuMicrosecondsPerDelivery,
                phase.SteadyP50,
                phase.SteadyP99,
                phase == single ? phase.HeapPerConnectionKB * Members : phase.HeapPerConnectionKB,
                phase == single ? phase.RssPerConnectionKB * Members : phase.RssPerConnectionKB));
        }
    }

    /// <summary>
    /// 50 multiplexed streams through a burst and a short steady run (50,000 deliveries): JIT (tiered up) and pools, before
    /// anything is measured.
    /// </summary>
    private static async Task WarmUpMultiplexedAsync(ServerProcess server)
    {
        var generations = await server.CreateAsync(Systems.Ours, Members, prefill: 1);
        var ids = generations.Select(g => g.Id).ToArray();
        var members = new MemberIndex(ids);
        var tokens = new string[50];
        for (var i = 0; i < tokens.Length; i++)
        {
            tokens[i] = await server.WatchAsync(generations);
        }

        var metrics = new ScenarioMetrics { RecordLatency = false };
        await using (var client = new LoadClient(server, metrics))
        {
            await client.OpenMultiplexedAsync(tokens, _ => new DeliveryLedger(members));
            await WaitUntilAsync(() => metrics.Deliveries >= tokens.Length * Members, TimeSpan.FromSeconds(10));
            await server.ProduceAsync(new ProduceRequest(Systems.Ours, ids, BurstSize: 50, Bursts: 1));
            await server.ProduceAsync(new ProduceRequest(Systems.Ours, ids, Rates: [10], DurationMs: 1_000));
            await WaitUntilAsync(() => metrics.Deliveries >= tokens.Length * Members * 61L, TimeSpan.FromSeconds(10));
            await server.EndAsync(Systems.Ours, ids);
            await WaitUntilAsync(() => metrics.Ended >= tokens.Length, TimeSpan.FromSeconds(10));
            if (metrics.Errors > 0)
            {
                LoadTestContext.Log($"  multiplexed warm-up: {metrics.Errors} errors (first: {metrics.FirstError})");
            }
        }
    }

    /// <summary>
    /// Waits (at most 30 s) until the server's JIT compiled fewer than 5 methods in a second: tiered compilation's
    /// background recompiles of what the warm-up ran are done.
    /// </summary>
    private static async Task<(long Compiled, long LastSecond)> WaitForQuietJitAsync(ServerProcess server)
    {
        var deadline = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
        var previous = (await server.StatsAsync(Systems.Ours)).JitCompiledMethods;
        while (true)
        {
            await Task.Delay(1_000);
            var now = (await server.StatsAsync(Systems.Ours)).JitCompiledMethods;
            if (now - previous < 5 || Stopwatch.GetTimestamp() > deadline)
            {
                return (now, now - previous);
            }

            previous = now;
        }
    }

    /// <summary>Polls <paramref name="condition"/> every few milliseconds; false when <paramref name="timeout"/> passed first.</summary>
    private static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!condition())
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }
}
