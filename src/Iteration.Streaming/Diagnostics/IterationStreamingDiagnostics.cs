using System.Diagnostics;

namespace Iteration.Streaming.Diagnostics;

/// <summary>
/// The names shared by all telemetry of Iteration.Streaming, and its one <see cref="System.Diagnostics.ActivitySource"/>.
/// </summary>
internal static class IterationStreamingDiagnostics
{
    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/> and of the <c>Meter</c>.</summary>
    public const string Name = "Iteration.Streaming";

    public static readonly ActivitySource ActivitySource = new(Name, typeof(IterationStreamingDiagnostics).Assembly.GetName().Version?.ToString());
}
