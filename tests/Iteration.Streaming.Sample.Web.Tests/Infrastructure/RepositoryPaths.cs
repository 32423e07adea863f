namespace Iteration.Streaming.Sample.Web.Tests.Infrastructure;

/// <summary>Folders of the repository the tests run from (found by walking up to the solution file).</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (folder.EnumerateFiles("*.sln").Any() || folder.EnumerateFiles("*.slnx").Any())
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No solution file above {AppContext.BaseDirectory}: the tests must run from the repository.");
    });

    public static string Root => RootPath.Value;

    /// <summary>The JavaScript client package (its node_modules hold axe-core after <c>npm ci</c>).</summary>
    public static string ClientPackage => Path.Combine(Root, "src", "iteration-streaming-client");

    /// <summary>The sample's docs folder, where the README's screenshots live.</summary>
    public static string SampleDocs => Path.Combine(Root, "samples", "Iteration.Streaming.Sample.Web", "docs");
}
