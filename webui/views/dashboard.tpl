% rebase('base.tpl')
<h1>{{_('page.dashboard')}}</h1>
<div class="grid" data-live="/api/status">
<section class="card">
<h2>{{_('dash.ports')}}</h2>
<table class="data" id="ports">
<thead><tr><th>{{_('col.port')}}</th><th>{{_('col.kind')}}</th><th>{{_('col.extension')}}</th><th>{{_('col.status')}}</th><th>{{_('col.detail')}}</th></tr></thead>
<tbody id="ports-body">
% for p in status['ports']:
<tr data-port="{{p['port']}}"><td>{{p['port']}}</td><td>{{p['kind'].upper()}}</td><td>{{p['extension']}} {{p['name']}}</td>
<td class="st st-{{p['status'].replace(' ', '-')}}">{{_('status.' + p['status'], p['status'])}}</td><td class="alarm">{{p['alarm']}}</td></tr>
% end
</tbody></table>
</section>
<section class="card">
<h2>{{_('dash.calls')}}</h2>
<table class="data" id="calls">
<thead><tr><th>#</th><th>{{_('col.from')}}</th><th>{{_('col.to')}}</th><th>{{_('col.direction')}}</th><th>{{_('col.state')}}</th><th>{{_('col.duration')}}</th></tr></thead>
<tbody id="calls-body">
% for c in status['calls']:
<tr><td>{{c['call_id']}}</td><td>{{c['from_number']}} {{c['from_name']}}</td><td>{{c['to']}}</td><td>{{_('dir.' + c['direction'], c['direction'])}}</td><td>{{_('status.' + c['state'], c['state'])}}</td><td>{{int(c['duration_s'])}} s</td></tr>
% end
</tbody></table>
<p class="empty" id="calls-empty" {{'hidden' if status['calls'] else ''}}>{{_('dash.no_calls')}}</p>
</section>
<section class="card">
<h2>{{_('dash.trunks')}}</h2>
<table class="data"><thead><tr><th>{{_('col.trunk')}}</th><th>{{_('col.status')}}</th><th>{{_('col.detail')}}</th></tr></thead>
<tbody id="trunks-body">
% for t in status['trunks']:
<tr><td>{{t.get('name', '')}}</td><td>{{_('status.' + str(t.get('status', '')), str(t.get('status', '')))}}</td><td class="alarm">{{t.get('reason', '')}}</td></tr>
% end
</tbody></table>
<p class="empty" id="trunks-empty" {{'hidden' if status['trunks'] else ''}}>{{_('dash.no_trunks')}}</p>
</section>
<section class="card">
<h2>{{_('dash.bans')}}</h2>
<table class="data"><thead><tr><th>{{_('col.address')}}</th><th>{{_('col.reason')}}</th><th>{{_('col.remaining')}}</th></tr></thead>
<tbody id="bans-body">
% for b in status['sip_bans']:
<tr><td>{{b.get('address', '')}}</td><td>{{_('ban.' + str(b.get('reason', '')), str(b.get('reason', '')))}}</td><td>{{b.get('expires_in', '')}} s</td></tr>
% end
</tbody></table>
<p class="empty" id="bans-empty" {{'hidden' if status['sip_bans'] else ''}}>{{_('dash.no_bans')}}</p>
</section>
<section class="card">
<h2>{{_('dash.parked')}}</h2>
<table class="data"><thead><tr><th>{{_('col.slot')}}</th><th>{{_('col.from')}}</th><th>{{_('col.duration')}}</th></tr></thead>
<tbody id="parked-body">
% for pk in status['parked']:
<tr><td>{{pk.get('slot', '')}}</td><td>{{pk.get('from_number', '')}}</td><td>{{int(pk.get('duration_s', 0))}} s</td></tr>
% end
</tbody></table>
<p class="empty" id="parked-empty" {{'hidden' if status['parked'] else ''}}>{{_('dash.no_parked')}}</p>
</section>
<section class="card">
<h2>{{_('dash.system')}}</h2>
<dl class="facts">
<dt>{{_('dash.cpu')}}</dt><dd id="cpu">{{status['system']['cpu_percent']}} %</dd>
<dt>{{_('dash.load')}}</dt><dd id="load">{{status['system']['load']}}</dd>
<dt>{{_('dash.disk')}}</dt><dd id="disk">{{status['system']['disk'].get('percent')}} % ({{status['system']['disk'].get('free_mb')}} MB {{_('dash.free')}})</dd>
</dl>
</section>
</div>
