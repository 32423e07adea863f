using System.Text.Json;

namespace Iteration.Streaming.Generation;

/// <summary>
/// Assesses a finished run during <c>quality_assessment</c>; its summary rides on the completed event's
/// <c>partial_output</c>. The default runs cheap checks (empty files, paths that collide on case-insensitive file systems).
/// </summary>
public interface IQualityAssessor
{
    /// <summary>Assesses the run.</summary>
    /// <param name="context">The run and its files.</param>
    /// <param name="cancellationToken">Fires when the run is cancelled or times out.</param>
    /// <returns>The summary for <c>partial_output</c>, or <see langword="null"/> for none.</returns>
    ValueTask<IReadOnlyDictionary<string, JsonElement>?> AssessAsync(QualityAssessmentContext context, CancellationToken cancellationToken = default);
}
