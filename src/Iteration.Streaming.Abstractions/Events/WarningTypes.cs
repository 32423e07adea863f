namespace Iteration.Streaming.Events;

/// <summary>
/// The values of <see cref="StreamingProgressEvent.WarningType"/> on the wire.
/// </summary>
public static class WarningTypes
{
    /// <summary>An iteration lost files of its parent that were not deleted explicitly.</summary>
    public const string DataLossDetection = "data_loss_detection";

    /// <summary>A phase wrote or deleted a path its user locked: the change was refused and the run went on.</summary>
    public const string LockedPath = "locked_path";
}
