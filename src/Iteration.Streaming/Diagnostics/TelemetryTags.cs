namespace Iteration.Streaming.Diagnostics;

/// <summary>
/// Attribute names of the instruments: the library's own under its <c>iteration.streaming.</c> namespace, and the
/// OpenTelemetry semantic conventions' where one fits (<c>error.type</c>, <c>gen_ai.token.type</c>).
/// </summary>
internal static class TelemetryTags
{
    public const string GenerationMode = "iteration.streaming.generation.mode";
    public const string GenerationStatus = "iteration.streaming.generation.status";
    public const string PhaseKind = "iteration.streaming.phase.kind";
    public const string ErrorType = "error.type";
    public const string TokenType = "gen_ai.token.type";

    /// <summary>The status of a run that stopped without a terminal event (host stopping, ownership lost): it resumes later.</summary>
    public const string Interrupted = "interrupted";
}
