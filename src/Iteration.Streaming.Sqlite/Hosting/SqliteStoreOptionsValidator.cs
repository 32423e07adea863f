using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Sqlite.Hosting;

/// <summary>
/// Validates <see cref="SqliteStoreOptions"/> at start, naming the setting and the accepted range. Whether the file can
/// be opened is checked right after, when the store opens (<see cref="SqliteStoreStarter"/>).
/// </summary>
internal sealed class SqliteStoreOptionsValidator : IValidateOptions<SqliteStoreOptions>
{
    private const string Prefix = SqliteStoreOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, SqliteStoreOptions options)
    {
        var failures = new List<string>();

        if (string.IsNullOrWhiteSpace(options.Path))
        {
            failures.Add($"{Prefix}{nameof(options.Path)} must name the database file, for example 'data/iteration-streaming.db'.");
        }
        else if (options.Path.Contains('\0', StringComparison.Ordinal))
        {
            failures.Add($"{Prefix}{nameof(options.Path)} must not contain a NUL character.");
        }
        else if (options.Path.EndsWith('/') || options.Path.EndsWith(System.IO.Path.DirectorySeparatorChar))
        {
            failures.Add($"{Prefix}{nameof(options.Path)} must name a file, not a folder, but was '{options.Path}'.");
        }

        if (options.BusyTimeout < TimeSpan.Zero || options.BusyTimeout > TimeSpan.FromMinutes(10))
        {
            failures.Add($"{Prefix}{nameof(options.BusyTimeout)} must be between {TimeSpan.Zero} and {TimeSpan.FromMinutes(10)}, but was {options.BusyTimeout}.");
        }

        Range(failures, nameof(options.MaxBatchSize), options.MaxBatchSize, 1, 100_000);
        Range(failures, nameof(options.LiveWindowSize), options.LiveWindowSize, 16, 1_000_000);

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Range(List<string> failures, string name, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{Prefix}{name} must be between {min} and {max}, but was {value}.");
        }
    }
}
