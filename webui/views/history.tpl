% rebase('base.tpl')
<h1>{{_('page.history')}}</h1>
<form method="get" action="/history" class="filters" id="history-filter">
<label>{{_('history.since')}} <input type="date" name="since" value="{{q.since}}"></label>
<label>{{_('history.until')}} <input type="date" name="until" value="{{q.until}}"></label>
<label>{{_('col.direction')}} <select name="direction"><option value="">{{_('history.any')}}</option>
% for d in directions:
<option value="{{d}}" {{'selected' if d == q.direction else ''}}>{{_('dir.' + d)}}</option>
% end
</select></label>
<label>{{_('col.extension')}} <input name="extension" value="{{q.extension}}" size="6" inputmode="numeric"></label>
<label>{{_('col.number')}} <input name="number" value="{{q.number}}" size="12" inputmode="tel"></label>
<label>{{_('col.disposition')}} <select name="disposition" id="disposition"><option value="">{{_('history.any')}}</option>
% for d in dispositions:
<option value="{{d}}" {{'selected' if d == q.disposition else ''}}>{{_('disp.' + d)}}</option>
% end
</select></label>
<label>{{_('history.sort')}} <select name="sort">
% for so in sorts:
<option value="{{so}}" {{'selected' if so == q.sort else ''}}>{{_('sort.' + so)}}</option>
% end
</select></label>
<button type="submit" id="filter">{{_('button.filter')}}</button>
<a class="button" id="csv" href="/history.csv?{{qs}}">{{_('history.csv')}}</a>
</form>
% if error:
<p class="alarm" role="alert">{{_(error)}}</p>
% end
<div class="charts">
% for chart in charts:
% include('chart.tpl', chart=chart)
% end
</div>
<table class="data" id="history">
<thead><tr><th>{{_('col.start')}}</th><th>{{_('col.from')}}</th><th>{{_('col.to')}}</th><th>{{_('col.direction')}}</th><th>{{_('col.disposition')}}</th><th>{{_('col.duration')}}</th><th>{{_('col.talk')}}</th><th>{{_('col.line')}}</th><th>{{_('col.recording')}}</th></tr></thead>
<tbody>
% for r in rows:
<tr><td>{{r['start'].replace('T', ' ')[:19]}}</td><td>{{r['src']}} {{r['src_name']}}</td><td>{{r['dst']}}</td><td>{{_('dir.' + r['direction'], r['direction'])}}</td>
<td class="disp-{{r['group']}}">{{_('disp.' + r['group'], r['group'])}}</td><td>{{int(r['duration'])}} s</td><td>{{int(r['billsec'])}} s</td><td>{{r['line']}}</td>
<td>
% if r['recording']:
<audio controls preload="none" src="/media/recordings/{{r['recording']}}"></audio>
% end
</td></tr>
% end
</tbody></table>
% if not rows:
<p class="empty">{{_('history.none')}}</p>
% end
