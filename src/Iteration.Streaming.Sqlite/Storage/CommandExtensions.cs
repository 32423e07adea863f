using Microsoft.Data.Sqlite;

namespace Iteration.Streaming.Sqlite.Storage;

/// <summary>Binds parameters of cached commands, which keep their parameters between runs.</summary>
internal static class CommandExtensions
{
    public static SqliteCommand With(this SqliteCommand command, string name, object? value)
    {
        var parameters = command.Parameters;
        var index = parameters.IndexOf(name);
        if (index < 0)
        {
            parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        else
        {
            parameters[index].Value = value ?? DBNull.Value;
        }

        return command;
    }
}
