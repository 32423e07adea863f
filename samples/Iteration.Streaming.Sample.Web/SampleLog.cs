namespace Iteration.Streaming.Sample.Web;

internal static partial class SampleLog
{
    [LoggerMessage(9001, LogLevel.Information, "Iteration.Streaming sample is running: open {Url} in a browser")]
    public static partial void Running(ILogger logger, string url);
}
