using Microsoft.Data.Sqlite;

namespace Iteration.Streaming.Sqlite.Storage;

/// <summary>
/// What the operations of one transaction share: the writer's connection with its prepared statements, and the
/// in-memory state they changed so far. Used by the writer thread only.
/// </summary>
internal sealed class WriteBatch(SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private readonly List<IBatchParticipant> _participants = [];

    public SqliteConnection Connection => connection;

    /// <summary>Numbers batches from 1; a participant enlisted in an earlier batch is enlisted again.</summary>
    public int Number { get; private set; }

    /// <summary>A prepared statement of the writer's connection, kept for the store's life.</summary>
    public SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            _commands[sql] = command;
        }

        return command;
    }

    /// <summary>Saves <paramref name="participant"/>'s state before the batch's first change to it.</summary>
    public void Enlist(IBatchParticipant participant)
    {
        if (participant.EnlistedIn == Number)
        {
            return;
        }

        participant.EnlistedIn = Number;
        participant.Save();
        _participants.Add(participant);
    }

    public void Begin()
    {
        Number++;
        _participants.Clear();
    }

    public void RolledBack()
    {
        for (var i = _participants.Count - 1; i >= 0; i--)
        {
            _participants[i].Restore();
        }

        _participants.Clear();
    }

    public void Committed()
    {
        foreach (var participant in _participants)
        {
            participant.Committed();
        }

        _participants.Clear();
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
    }
}
