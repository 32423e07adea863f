using System.Diagnostics;
using Iteration.Streaming.Sqlite.Hosting;
using Iteration.Streaming.Sqlite.Storage;
using Iteration.Streaming.Sqlite.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;
using Microsoft.Data.Sqlite;

namespace Iteration.Streaming.Sqlite.Tests.Storage;

/// <summary>Every file the store cannot use stops the start with an error naming the file and the setting.</summary>
public sealed class OpenFaultTests : IDisposable
{
    private const string PathKey = "IterationStreaming:Sqlite:Path";
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Open_NewFile_CreatesTheSchemaInWalMode()
    {
        var path = _folder.File();

        using (SqliteStore.Open(new SqliteStoreOptions { Path = path }))
        {
            Pragma(path, "journal_mode").Should().Be("wal");
            Pragma(path, "user_version").Should().Be(SqliteSchema.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Pragma(path, "application_id").Should().Be(SqliteSchema.ApplicationId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Theory]
    [InlineData(true, 2)]
    [InlineData(false, 1)]
    public async Task Open_FlushCommitsToDisk_SetsSynchronousFullOrNormal(bool flush, long synchronous)
    {
        using var store = SqliteStore.Open(new SqliteStoreOptions { Path = _folder.File(), FlushCommitsToDisk = flush });
        long actual = -1;

        await store.Writer.RunAsync(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "PRAGMA synchronous;";
            actual = (long)command.ExecuteScalar()!;
        });

        actual.Should().Be(synchronous);
    }

    [Fact]
    public void Open_MissingFolders_AreCreated()
    {
        var path = Path.Combine(_folder.Path, "data", "nested", "store.db");

        using var store = SqliteStore.Open(new SqliteStoreOptions { Path = path });

        File.Exists(path).Should().BeTrue();
        store.Path.Should().Be(path);
    }

    [Fact]
    public void Open_RelativePath_IsResolvedAgainstTheCurrentDirectory()
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, _folder.File("relative.db"));

        using var store = SqliteStore.Open(new SqliteStoreOptions { Path = relative });

        store.Path.Should().Be(_folder.File("relative.db"));
    }

    [Fact]
    public void Open_EmptyExistingFile_IsTakenAsANewStore()
    {
        var path = _folder.File();
        File.WriteAllBytes(path, []);

        using var store = SqliteStore.Open(new SqliteStoreOptions { Path = path });

        Pragma(path, "user_version").Should().Be(SqliteSchema.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Open_NotASqliteFile_FailsNamingTheFileAndTheSetting()
    {
        var path = _folder.File();
        File.WriteAllText(path, string.Concat(Enumerable.Repeat("this is a text file, not a database\n", 200)));

        var act = () => SqliteStore.Open(new SqliteStoreOptions { Path = path });

        act.Should().Throw<InvalidOperationException>().WithMessage($"*'{path}'*{PathKey}*not a SQLite database*");
        File.ReadAllText(path).Should().StartWith("this is a text file", "a file that is not ours is never changed");
    }

    [Fact]
    public void Open_ForeignSqliteDatabase_FailsNamingTheFileAndTheSetting()
    {
        var path = _folder.File();
        Execute(path, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('Ada');");

        var act = () => SqliteStore.Open(new SqliteStoreOptions { Path = path });

        act.Should().Throw<InvalidOperationException>().WithMessage($"*'{path}'*{PathKey}*another application*");
        Pragma(path, "journal_mode").Should().Be("delete", "a foreign database is not switched to WAL");
    }

    [Fact]
    public void Open_StoreOfANewerSchema_FailsNamingTheVersions()
    {
        var path = _folder.File();
        SqliteStore.Open(new SqliteStoreOptions { Path = path }).Dispose();
        Execute(path, "PRAGMA user_version = 7;");

        var act = () => SqliteStore.Open(new SqliteStoreOptions { Path = path });

        act.Should().Throw<InvalidOperationException>().WithMessage($"*'{path}'*{PathKey}*schema version 7*newer*");
    }

    [Fact]
    public async Task Open_DamagedStore_FailsNamingTheFileAndTheSetting()
    {
        var path = _folder.File();
        using (var store = SqliteStore.Open(new SqliteStoreOptions { Path = path }))
        {
            var log = new Iteration.Streaming.Sqlite.EventLog.SqliteGenerationEventLog(
                store,
                new StaticOptionsMonitor<Iteration.Streaming.Hosting.IterationStreamingOptions>(new()));
            var id = TestEvents.NewId();
            await log.CreateAsync(id);
            for (var i = 0; i < 300; i++)
            {
                await log.AppendAsync(TestEvents.Progress(id, i));
            }
        }

        // Overwrite every page after the first (the header and schema stay readable) with garbage.
        var bytes = await File.ReadAllBytesAsync(path);
        bytes.Length.Should().BeGreaterThan(3 * 4096);
        for (var i = 4096 + 100; i < bytes.Length; i += 7)
        {
            bytes[i] = (byte)(i * 31);
        }

        await File.WriteAllBytesAsync(path, bytes);

        var act = () => SqliteStore.Open(new SqliteStoreOptions { Path = path });

        act.Should().Throw<InvalidOperationException>().WithMessage($"*'{path}'*{PathKey}*damaged*");
    }

    [Fact]
    public void Open_FileWriteLockedByAnotherConnection_FailsAfterTheBusyTimeout()
    {
        var path = _folder.File();
        SqliteStore.Open(new SqliteStoreOptions { Path = path }).Dispose();
        using var holder = OpenRaw(path);
        Execute(holder, "BEGIN EXCLUSIVE;");

        var act = () => SqliteStore.Open(new SqliteStoreOptions { Path = path, BusyTimeout = TimeSpan.FromMilliseconds(50) });

        act.Should().Throw<InvalidOperationException>().WithMessage($"*'{path}'*{PathKey}*locked*IterationStreaming:Sqlite:BusyTimeout*");
    }

    [Fact]
    public void Open_FileHeldInExclusiveLockingMode_FailsAfterTheBusyTimeout()
    {
        var path = _folder.File();
        using var holder = OpenRaw(path);
        Execute(holder, "PRAGMA locking_mode = EXCLUSIVE; CREATE TABLE held (x); BEGIN EXCLUSIVE;");

        var act = () => SqliteStore.Open(new SqliteStoreOptions { Path = path, BusyTimeout = TimeSpan.FromMilliseconds(50) });

        act.Should().Throw<InvalidOperationException>().WithMessage($"*'{path}'*{PathKey}*locked*");
    }

    [Fact]
    public async Task Open_FileLockedByAnotherProcess_FailsAfterTheBusyTimeout()
    {
        // The sqlite3 shell (Debian's sqlite3 package, part of the build image) holds an exclusive lock from its own process.
        var path = _folder.File();
        SqliteStore.Open(new SqliteStoreOptions { Path = path }).Dispose();
        using var shell = Process.Start(new ProcessStartInfo("sqlite3", [path])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        try
        {
            await shell.StandardInput.WriteLineAsync("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; INSERT INTO logs (generation_id) VALUES ('held'); SELECT 'locked';");
            await shell.StandardInput.FlushAsync();
            string? line;
            do
            {
                line = await shell.StandardOutput.ReadLineAsync().WithPatience();
            }
            while (line is not null and not "locked");

            line.Should().Be("locked");

            var act = () => SqliteStore.Open(new SqliteStoreOptions { Path = path, BusyTimeout = TimeSpan.FromMilliseconds(50) });

            act.Should().Throw<InvalidOperationException>().WithMessage($"*'{path}'*{PathKey}*locked*");
        }
        finally
        {
            shell.StandardInput.Close();
            await shell.WaitForExitAsync().WithPatience();
        }

        using var reopened = SqliteStore.Open(new SqliteStoreOptions { Path = path });
        reopened.Path.Should().Be(path, "the lock went with the process, and its uncommitted write with it");
    }

    [Fact]
    public void Open_FileInUseByAnotherStore_FailsNamingIt()
    {
        var path = _folder.File();
        using var first = SqliteStore.Open(new SqliteStoreOptions { Path = path });

        var act = () => SqliteStore.Open(new SqliteStoreOptions { Path = path });

        act.Should().Throw<InvalidOperationException>().WithMessage($"*'{path}'*{PathKey}*in use by another host*");
    }

    [Fact]
    public void Open_AfterTheFirstStoreClosed_Succeeds()
    {
        var path = _folder.File();
        SqliteStore.Open(new SqliteStoreOptions { Path = path }).Dispose();

        using var second = SqliteStore.Open(new SqliteStoreOptions { Path = path });

        second.Path.Should().Be(path);
    }

    [Fact]
    public void Open_PathIsAFolder_FailsNamingIt()
    {
        var act = () => SqliteStore.Open(new SqliteStoreOptions { Path = _folder.Path });

        act.Should().Throw<InvalidOperationException>().WithMessage($"*'{_folder.Path}'*{PathKey}*is a folder*");
    }

    [Fact]
    public void Open_FolderCannotBeCreated_FailsNamingIt()
    {
        var file = _folder.File("not-a-folder");
        File.WriteAllText(file, "x");
        var path = Path.Combine(file, "store.db");

        var act = () => SqliteStore.Open(new SqliteStoreOptions { Path = path });

        act.Should().Throw<InvalidOperationException>().WithMessage($"*'{file}'*'{path}'*{PathKey}*could not be created*");
    }

    [Fact]
    public void Open_FolderNotWritable_FailsNamingIt()
    {
        // /proc refuses new files even to root, where permission bits would not.
        var path = Path.Combine("/proc", "self", "iteration-streaming.db");

        var act = () => SqliteStore.Open(new SqliteStoreOptions { Path = path });

        act.Should().Throw<InvalidOperationException>().WithMessage($"*'{path}'*{PathKey}*");
    }

    [Fact]
    public void Open_OversizedPath_FailsNamingTheSetting()
    {
        var path = Path.Combine(_folder.Path, string.Join('/', Enumerable.Repeat(new string('d', 250), 20)), "store.db");

        var act = () => SqliteStore.Open(new SqliteStoreOptions { Path = path });

        act.Should().Throw<InvalidOperationException>().WithMessage($"*{PathKey}*");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Open_WithoutAPath_FailsNamingTheSetting(string? path)
    {
        var act = () => SqliteStore.Open(new SqliteStoreOptions { Path = path });

        act.Should().Throw<InvalidOperationException>().WithMessage($"*{PathKey}*");
    }

    private static SqliteConnection OpenRaw(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static void Execute(string path, string sql)
    {
        using var connection = OpenRaw(path);
        Execute(connection, sql);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static string Pragma(string path, string name)
    {
        using var connection = OpenRaw(path);
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name};";
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)!;
    }
}
