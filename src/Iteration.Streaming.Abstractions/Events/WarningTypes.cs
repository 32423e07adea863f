namespace Iteration.Streaming.Events;

/// <summary>
/// The values of <see cref="StreamingProgressEvent.WarningType"/> on the wire.
/// </summary>
public static class WarningTypes
{
    /// <summary>An iteration lost files of its parent that were not deleted explicitly.</summary>
    public const string DataLossDetection = "data_loss_detection";
}
