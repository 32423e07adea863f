namespace Iteration.Streaming.Diagnostics;

/// <summary>
/// Span names, and the attribute names of spans and instruments: the library's own under its
/// <c>iteration.streaming.</c> namespace, and the OpenTelemetry semantic conventions' where one fits
/// (<c>error.type</c>, <c>gen_ai.token.type</c>).
/// </summary>
internal static class TelemetryTags
{
    public const string RunSpan = "generation.run";
    public const string PhaseSpan = "generation.phase";

    public const string GenerationId = "iteration.streaming.generation.id";
    public const string GenerationParentId = "iteration.streaming.generation.parent_id";
    public const string GenerationMode = "iteration.streaming.generation.mode";
    public const string GenerationStart = "iteration.streaming.generation.start";
    public const string GenerationStatus = "iteration.streaming.generation.status";
    public const string GenerationCancelReason = "iteration.streaming.generation.cancel_reason";
    public const string PhaseNumber = "iteration.streaming.phase.number";
    public const string PhaseName = "iteration.streaming.phase.name";
    public const string PhaseKind = "iteration.streaming.phase.kind";
    public const string PhaseFilesGenerated = "iteration.streaming.phase.files_generated";
    public const string ErrorType = "error.type";
    public const string TokenType = "gen_ai.token.type";

    /// <summary>The currency of a cost (ISO 4217).</summary>
    public const string Currency = "iteration.streaming.currency";

    /// <summary>The status of a run that stopped without a terminal event (host stopping, ownership lost): it resumes later.</summary>
    public const string Interrupted = "interrupted";
}
