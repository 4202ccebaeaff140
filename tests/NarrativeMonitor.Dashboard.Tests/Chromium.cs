using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace NarrativeMonitor.Dashboard.Tests;

/// <summary>
/// Headless Chromium driven over the Chrome DevTools Protocol on a WebSocket: Debian's chromium package, no driver and
/// no browser download. One browser per test collection; each test opens its own page.
/// </summary>
public sealed partial class ChromiumFixture : IAsyncLifetime
{
    public const string EnvironmentVariable = "NM_CHROMIUM";
    private const string InstallHint =
        "The dashboard tests need Debian's chromium: `apt-get install -y chromium` (tests/run-tests.sh installs it), or set " +
        EnvironmentVariable + " to a Chromium or Chrome executable.";

    private Process? _process;
    private string? _profile;
    private CdpConnection? _connection;

    public async Task InitializeAsync()
    {
        var executable = Find() ?? throw new InvalidOperationException("Chromium not found. " + InstallHint);
        _profile = Directory.CreateTempSubdirectory("nm-chromium-").FullName;
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                     "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
                     "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--window-size=1280,900",
                     "--user-data-dir=" + _profile, "about:blank",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start. " + InstallHint);
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        var endpoint = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new StringBuilder();
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                endpoint.TrySetException(new InvalidOperationException($"{executable} exited before it listened:\n{errors}"));
                return;
            }

            lock (errors)
            {
                errors.AppendLine(e.Data);
            }

            if (DevToolsLine().Match(e.Data) is { Success: true } match)
            {
                endpoint.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        _process.BeginErrorReadLine();
        var url = await endpoint.Task.WaitAsync(TimeSpan.FromSeconds(30));
        _connection = await CdpConnection.ConnectAsync(url);
    }

    /// <summary>A new tab. JavaScript exceptions and console errors it raises are collected in <see cref="Page.Errors"/>.</summary>
    public async Task<Page> NewPageAsync()
    {
        var target = await _connection!.SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" });
        var targetId = target["targetId"]!.GetValue<string>();
        var attached = await _connection.SendAsync("Target.attachToTarget", new JsonObject { ["targetId"] = targetId, ["flatten"] = true });
        var page = new Page(_connection, attached["sessionId"]!.GetValue<string>(), targetId);
        await page.InitializeAsync();
        return page;
    }

    private static string? Find()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(configured) ? configured : throw new InvalidOperationException($"{EnvironmentVariable}={configured} does not exist. " + InstallHint);
        }

        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator);
        return new[] { "chromium", "chromium-browser", "google-chrome", "google-chrome-stable" }
            .SelectMany(name => path.Select(dir => Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists);
    }

    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            try
            {
                await _connection.SendAsync("Browser.close", new JsonObject()).WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception)
            {
                // Killed below either way.
            }

            await _connection.DisposeAsync();
        }

        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        if (_profile is not null)
        {
            try
            {
                Directory.Delete(_profile, recursive: true);
            }
            catch (IOException)
            {
                // A crash reporter may still hold a file; the temp folder is cleaned eventually.
            }
        }
    }

    [GeneratedRegex(@"DevTools listening on (ws://\S+)")]
    private static partial Regex DevToolsLine();
}

/// <summary>One WebSocket to the browser; pages talk over it with their session id (flat sessions).</summary>
public sealed class CdpConnection : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonObject>> _pending = new();
    private readonly ConcurrentDictionary<string, Action<string, JsonObject>> _listeners = new();
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiver;
    private int _nextId;

    private CdpConnection(ClientWebSocket socket)
    {
        _socket = socket;
        _receiver = Task.Run(ReceiveAsync);
    }

    public static async Task<CdpConnection> ConnectAsync(Uri url)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await socket.ConnectAsync(url, CancellationToken.None);
        return new CdpConnection(socket);
    }

    /// <summary>Events of one session: (method, params).</summary>
    public void Listen(string sessionId, Action<string, JsonObject> listener) => _listeners[sessionId] = listener;

    public async Task<JsonObject> SendAsync(string method, JsonObject parameters, string? sessionId = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        if (sessionId is not null)
        {
            message["sessionId"] = sessionId;
        }

        var reply = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        await _send.WaitAsync();
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
        }
        finally
        {
            _send.Release();
        }

        return await reply.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var result = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                var node = JsonNode.Parse(message.ToArray())!.AsObject();
                message.SetLength(0);
                if (node["id"] is { } id && _pending.TryRemove(id.GetValue<int>(), out var reply))
                {
                    if (node["error"] is { } error)
                    {
                        reply.TrySetException(new InvalidOperationException($"CDP error: {error.ToJsonString()}"));
                    }
                    else
                    {
                        reply.TrySetResult(node["result"]?.AsObject() ?? []);
                    }
                }
                else if (node["method"] is { } method && node["sessionId"]?.GetValue<string>() is { } session && _listeners.TryGetValue(session, out var listener))
                {
                    listener(method.GetValue<string>(), node["params"]?.AsObject() ?? []);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // Closed.
        }

        foreach (var pending in _pending.Values)
        {
            pending.TrySetException(new InvalidOperationException("The browser connection closed."));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _receiver;
        }
        finally
        {
            _socket.Dispose();
            _stop.Dispose();
        }
    }
}

/// <summary>A tab: navigate, evaluate, wait for a condition, click and type with real input events.</summary>
public sealed class Page(CdpConnection connection, string sessionId, string targetId) : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _errors = new();

    /// <summary>
    /// Uncaught exceptions and console.error messages of the page. HTTP error answers are not among them: the pages
    /// handle those (a 501 from a service that lacks an RPC is expected), and the tests check what the page shows.
    /// </summary>
    public IReadOnlyCollection<string> Errors => _errors;

    internal async Task InitializeAsync()
    {
        connection.Listen(sessionId, (method, parameters) =>
        {
            switch (method)
            {
                case "Runtime.exceptionThrown":
                    _errors.Enqueue(parameters["exceptionDetails"]?.ToJsonString() ?? "exception");
                    break;
                case "Runtime.consoleAPICalled" when parameters["type"]?.GetValue<string>() == "error":
                    _errors.Enqueue(parameters["args"]?.ToJsonString() ?? "console.error");
                    break;
            }
        });
        await SendAsync("Page.enable");
        await SendAsync("Runtime.enable");
    }

    public async Task GotoAsync(Uri url)
    {
        var result = await SendAsync("Page.navigate", new JsonObject { ["url"] = url.ToString() });
        if (result["errorText"]?.GetValue<string>() is { Length: > 0 } error)
        {
            throw new InvalidOperationException($"navigating to {url} failed: {error}");
        }

        await WaitForAsync("document.readyState === 'complete'");
    }

    /// <summary>Evaluates an expression (awaiting a promise) and returns its JSON value.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject
        {
            ["expression"] = expression,
            ["returnByValue"] = true,
            ["awaitPromise"] = true,
        });
        if (result["exceptionDetails"] is { } exception)
        {
            throw new InvalidOperationException($"{expression} threw: {exception.ToJsonString()}");
        }

        return result["result"]?["value"]?.DeepClone();
    }

    public async Task<string> TextAsync(string selector) =>
        (await EvaluateAsync($"document.querySelector({Quote(selector)})?.textContent ?? ''"))?.GetValue<string>() ?? "";

    /// <summary>Polls until the expression is truthy; fails with the page's text when it never becomes so.</summary>
    public async Task WaitForAsync(string expression, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var value = await EvaluateAsync($"Boolean({expression})");
            if (value?.GetValue<bool>() == true)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                var text = await EvaluateAsync("document.body ? document.body.innerText : ''");
                throw new TimeoutException($"waited {(timeout ?? TimeSpan.FromSeconds(30)).TotalSeconds} s for {expression}; the page shows:\n{text}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Clicks the middle of the element with mouse events, as a person would.</summary>
    public async Task ClickAsync(string selector)
    {
        await WaitForAsync($"document.querySelector({Quote(selector)})");
        var box = (await EvaluateAsync(
            $"(() => {{ const e = document.querySelector({Quote(selector)}); e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()"))!.AsArray();
        var (x, y) = (box[0]!.GetValue<double>(), box[1]!.GetValue<double>());
        foreach (var type in new[] { "mouseMoved", "mousePressed", "mouseReleased" })
        {
            await SendAsync("Input.dispatchMouseEvent", new JsonObject
            {
                ["type"] = type, ["x"] = x, ["y"] = y, ["button"] = type == "mouseMoved" ? "none" : "left", ["clickCount"] = 1,
            });
        }
    }

    /// <summary>Focuses the element by clicking it and types the text as keyboard input.</summary>
    public async Task TypeAsync(string selector, string text)
    {
        await ClickAsync(selector);
        await SendAsync("Input.insertText", new JsonObject { ["text"] = text });
    }

    public async Task<byte[]> ScreenshotAsync()
    {
        var result = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = true });
        return Convert.FromBase64String(result["data"]!.GetValue<string>());
    }

    /// <summary>Saves a screenshot under the test output folder (for a person reading a failure) and returns its path.</summary>
    public async Task<string> SaveScreenshotAsync(string name)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name + ".png");
        await File.WriteAllBytesAsync(path, await ScreenshotAsync());
        return path;
    }

    private Task<JsonObject> SendAsync(string method, JsonObject? parameters = null) =>
        connection.SendAsync(method, parameters ?? [], sessionId);

    public static string Quote(string text) => JsonSerializer.Serialize(text);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await connection.SendAsync("Target.closeTarget", new JsonObject { ["targetId"] = targetId });
        }
        catch (InvalidOperationException)
        {
            // The browser is already gone.
        }
    }
}
