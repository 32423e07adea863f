using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.FileProviders;

namespace Iteration.Streaming.Sample.Web.Tests.Infrastructure;

/// <summary>
/// A front-end developer's page on another origin: a second Kestrel on another 127.0.0.1 port serving a folder of
/// static files (the page, and the <c>node_modules</c> the client was installed into), as a dev server would.
/// </summary>
public sealed class FrontEndServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FrontEndServer(WebApplication app, Uri origin)
    {
        _app = app;
        Origin = origin;
    }

    /// <summary>The page's origin, such as <c>http://127.0.0.1:41234</c> (no trailing slash).</summary>
    public Uri Origin { get; }

    public string OriginText => Origin.GetLeftPart(UriPartial.Authority);

    public static async Task<FrontEndServer> StartAsync(string folder)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = folder, WebRootPath = folder });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(folder) });
        await app.StartAsync();
        return new FrontEndServer(app, new Uri(app.Urls.Single()));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
