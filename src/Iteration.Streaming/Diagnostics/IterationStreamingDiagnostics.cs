using System.Diagnostics;

namespace Iteration.Streaming.Diagnostics;

/// <summary>
/// The one <see cref="System.Diagnostics.ActivitySource"/> of Iteration.Streaming (named
/// <see cref="IterationStreamingTelemetry.ActivitySourceName"/>).
/// </summary>
internal static class IterationStreamingDiagnostics
{
    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/> and of the <c>Meter</c>.</summary>
    public const string Name = IterationStreamingTelemetry.ActivitySourceName;

    public static readonly ActivitySource ActivitySource = new(Name, typeof(IterationStreamingDiagnostics).Assembly.GetName().Version?.ToString());
}
