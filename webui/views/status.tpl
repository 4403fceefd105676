% rebase('base.tpl')
<h1>Ports</h1>
<table><tr><th>Port</th><th>Kind</th><th>Extension</th><th>Status</th><th></th></tr>
% for p in status['ports']:
<tr><td>{{p['port']}}</td><td>{{p['kind'].upper()}}</td><td>{{p['extension']}} {{p['name']}}</td>
<td class="{{'alarm' if p['status'] == 'alarm' else ''}}">{{p['status']}}</td><td class="alarm">{{p['alarm']}}</td></tr>
% end
</table>
<h2>Calls</h2>
<table><tr><th>From</th><th>To</th><th>State</th><th>Duration</th></tr>
% for c in status['calls']:
<tr><td>{{c['from_number']}} {{c['from_name']}}</td><td>{{c['to']}}</td><td>{{c['state']}}</td><td>{{int(c['duration_s'])}} s</td></tr>
% end
</table>
<form method="post" action="/logout"><input type="hidden" name="csrf" value="{{csrf}}"><button>Log out</button></form>
