using System.Reflection;
using System.Text.RegularExpressions;

namespace Iteration.Streaming.Sample.Web;

/// <summary>
/// A host that cannot start (an invalid setting, a store in use, a bad signing key) says why in one line on standard
/// error and exits with code 1, instead of an unhandled exception's stack trace: the first line of that trace was right,
/// the rest was noise to someone who mistyped a setting. <c>--verbose</c> or a log level of Debug brings the trace back.
/// </summary>
internal static partial class StartupErrors
{
    public const string VerboseSwitch = "--verbose";

    public const int ExitCode = 1;

    // What the SQLite package calls the store path; the sample reads the path from Sample:Database instead.
    private const string StorePathKey = "IterationStreaming:Sqlite:Path";
    private const string SampleDatabaseKey = "Sample:Database";

    /// <summary>Removes <c>--verbose</c> from the command line (the configuration would take the next argument as its value).</summary>
    public static string[] TakeVerbose(string[] args, out bool verbose)
    {
        verbose = args.Contains(VerboseSwitch, StringComparer.OrdinalIgnoreCase);
        return [.. args.Where(a => !a.Equals(VerboseSwitch, StringComparison.OrdinalIgnoreCase))];
    }

    /// <summary>True when the configured default log level is Debug or Trace: the details are wanted.</summary>
    public static bool WantsDetails(IConfiguration configuration) =>
        Enum.TryParse<LogLevel>(configuration["Logging:LogLevel:Default"], ignoreCase: true, out var level) && level <= LogLevel.Debug;

    /// <summary>
    /// Keeps the generic host's own "Hosting failed to start" error (the exception with its trace) off the console until
    /// the host has started: <see cref="Describe"/> says it in one line instead. Its later errors (a faulted background
    /// service) still show.
    /// </summary>
    public static void QuietHostStartFailure(WebApplicationBuilder builder, Func<bool> started) =>
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", level => level >= LogLevel.Information && (level != LogLevel.Error || started()));

    /// <summary>The one line that says why the host did not start, naming the setting to change.</summary>
    public static string Describe(Exception exception)
    {
        var error = Innermost(exception);
        var message = error.Message;
        if (ConversionFailure().Match(message) is { Success: true } conversion)
        {
            message = $"{conversion.Groups["key"].Value} is '{conversion.Groups["value"].Value}', which is not {Expected(conversion.Groups["type"].Value)}.";
        }

        else if (message.StartsWith("Failed to bind to address", StringComparison.Ordinal))
        {
            // Kestrel's own words name the address but not the setting.
            message = message.TrimEnd('.') + ". Choose another address with --urls.";
        }

        message = message.Replace(StorePathKey, SampleDatabaseKey, StringComparison.Ordinal);
        return "The sample host did not start: " + Whitespace().Replace(message, " ").Trim()
            + $" (Add {VerboseSwitch} for the details.)";
    }

    private static Exception Innermost(Exception exception)
    {
        while (exception is AggregateException { InnerExceptions.Count: 1 } or TargetInvocationException && exception.InnerException is { } inner)
        {
            exception = inner;
        }

        return exception;
    }

    private static string Expected(string type) => type switch
    {
        "System.TimeSpan" => "a duration (hh:mm:ss, such as 00:00:15)",
        "System.Int32" or "System.Int64" => "a whole number",
        "System.Boolean" => "true or false",
        "System.Double" => "a number",
        "System.Uri" => "a URL",
        _ => $"a valid value ({type})",
    };

    [GeneratedRegex(@"^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'", RegexOptions.Singleline)]
    private static partial Regex ConversionFailure();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
