using Microsoft.Playwright;

namespace Iteration.Streaming.Sample.Web.Tests.Infrastructure;

/// <summary>
/// One headless Chromium for the whole browser collection: Debian's <c>chromium</c> package, driven by Playwright's
/// bundled driver (no browser download; <c>./test.sh</c> installs the package). Each test opens its own context, so pages
/// share nothing.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>Where Debian installs Chromium; <c>CHROMIUM_PATH</c> points elsewhere.</summary>
    public const string DefaultChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser is not started.");

    public async Task InitializeAsync()
    {
        var path = Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } configured ? configured : DefaultChromiumPath;
        if (!File.Exists(path))
        {
            throw new InvalidOperationException(
                $"Chromium was not found at '{path}': the browser tests drive Debian's headless Chromium and never download a browser. "
                + $"{ReadyProcess.TestCommandHint} (Or install only it: sudo apt-get install -y --no-install-recommends chromium fontconfig "
                + "fonts-liberation; or set CHROMIUM_PATH to a Chromium executable.)");
        }

        Assertions.SetDefaultExpectTimeout(20_000);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = path,
            Headless = true,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        });
    }

    /// <summary>A fresh page in its own context (own session storage), with generous timeouts for a busy machine.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1000, Height = 900 } });
        context.SetDefaultTimeout(20_000);
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
