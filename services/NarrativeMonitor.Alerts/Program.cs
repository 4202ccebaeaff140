using NarrativeMonitor.Alerts;
using NarrativeMonitor.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddAlertServices();
builder.AddMessaging(bus => bus.AddAlertConsumers());
var app = builder.Build();
app.MapDefaultEndpoints();
app.MapAlertEndpoints();
app.Run();
