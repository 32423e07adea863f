namespace Iteration.Streaming.Sample.Web;

internal static partial class SampleLog
{
    [LoggerMessage(9001, LogLevel.Information, "Iteration.Streaming sample is running: open {Url} in a browser")]
    public static partial void Running(ILogger logger, string url);

    [LoggerMessage(9002, LogLevel.Information, "Stream tokens are signed with the key kept in {KeyFile}, so they stay valid across restarts; set IterationStreaming:SigningKey to use your own")]
    public static partial void SigningKeyFromFile(ILogger logger, string keyFile);
}
