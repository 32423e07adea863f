namespace Iteration.Streaming.LoadTest.Report;

/// <summary>One measured figure of one system in one scenario.</summary>
/// <param name="Scenario">The scenario and its size, such as "broadcast 10k watchers, steady 10 ev/s".</param>
/// <param name="Metric">What is measured, with its unit.</param>
/// <param name="System">The system under test.</param>
/// <param name="Value">The figure; NaN when not measured.</param>
/// <param name="HigherIsBetter">Whether a higher figure is better (throughput) or lower (latency, memory, CPU).</param>
internal sealed record RunResult(string Scenario, string Metric, string System, double Value, bool HigherIsBetter);
