namespace Iteration.Streaming.Sample.Web.Tests.Infrastructure;

/// <summary>The other half of the browser tests, with its own Chromium (see <see cref="BrowserCollection"/>).</summary>
[CollectionDefinition(Name)]
public sealed class SecondBrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "Browser 2";
}
