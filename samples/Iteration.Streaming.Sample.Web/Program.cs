using Iteration.Streaming.Sample.Web;

var app = SampleHost.Build(args);
app.Lifetime.ApplicationStarted.Register(() =>
{
    foreach (var url in app.Urls)
    {
        app.Logger.LogInformation("Iteration.Streaming sample is running: open {Url} in a browser", url);
    }
});
app.Run();
