namespace Iteration.Streaming.Sqlite.Tests.Fixtures;

/// <summary>A fresh folder under the system's temp folder for one test, deleted with everything in it afterwards.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("iteration-streaming-sqlite-").FullName;

    /// <summary>A path in the folder (nothing is created).</summary>
    public string File(string name = "store.db") => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
