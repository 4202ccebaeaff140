using NarrativeMonitor.Dashboard;
using NarrativeMonitor.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddDashboardServices();
var app = builder.Build();
app.MapDefaultEndpoints();
app.MapDashboard();
app.Run();
