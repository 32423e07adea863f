using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>
/// The page under its Content-Security-Policy in Chromium: a whole run, a preview and a reload raise no violation, no
/// console error and no failed request (the favicon included), while an injected inline script is blocked.
/// </summary>
[Collection(SecondBrowserCollection.Name)]
public sealed class PageSecurityTests(BrowserFixture browser)
{
    // Recorded from the first script of every document, before the page's own.
    private const string RecordViolations = """
        window.__violations = [];
        document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
        """;

    [Fact]
    public async Task Run_PreviewAndReload_RaiseNoCspViolationConsoleErrorOrFailedRequest()
    {
        await using var server = await SampleServer.StartAsync();
        var (page, problems) = await WatchedPageAsync();
        var document = await page.Page.GotoAsync(server.BaseAddress.ToString());
        (await document!.HeaderValueAsync("content-security-policy")).Should().Be(SamplePageHeaders.ContentSecurityPolicy);
        await page.SignInAsync("csp-user");

        await page.StartAsync();
        await page.ExpectCompletedAsync();
        await page.File("Program.cs").ClickAsync();
        await Expect(page.PreviewText()).Not.ToBeEmptyAsync();
        await page.Page.ReloadAsync();
        await page.ExpectCompletedAsync();
        await Expect(page.Generations()).ToHaveCountAsync(1);

        var violations = await page.Page.EvaluateAsync<string[]>("() => window.__violations");
        violations.Should().BeEmpty();
        problems.Should().BeEmpty();
    }

    [Fact]
    public async Task InlineScript_InjectedIntoThePage_IsBlockedAndReported()
    {
        await using var server = await SampleServer.StartAsync();
        var (page, _) = await WatchedPageAsync();
        await page.OpenAsync(server.BaseAddress);

        await page.Page.EvaluateAsync("""
            () => {
              const script = document.createElement('script');
              script.textContent = 'window.__injected = true;';
              document.body.append(script);
            }
            """);

        await page.Page.WaitForFunctionAsync("() => window.__violations.length > 0");
        (await page.Page.EvaluateAsync<bool>("() => window.__injected === true")).Should().BeFalse();
        (await page.Page.EvaluateAsync<string[]>("() => window.__violations")).Should().Contain(v => v.StartsWith("script-src", StringComparison.Ordinal));
    }

    /// <summary>A page that records CSP violations, console errors and failed requests (status 400 or more, or no answer).</summary>
    private async Task<(SamplePage Page, List<string> Problems)> WatchedPageAsync()
    {
        var page = await browser.NewPageAsync();
        await page.AddInitScriptAsync(RecordViolations);
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (problems)
                {
                    problems.Add($"console: {message.Text}");
                }
            }
        };
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                lock (problems)
                {
                    problems.Add($"{response.Status} {response.Url}");
                }
            }
        };
        page.RequestFailed += (_, request) =>
        {
            // ERR_ABORTED: the page closed a stream it had finished with (a reload, or EventSource after a 204).
            if (request.Failure == "net::ERR_ABORTED")
            {
                return;
            }

            lock (problems)
            {
                problems.Add($"failed {request.Url}: {request.Failure}");
            }
        };
        return (new SamplePage(page), problems);
    }
}
