% rebase('base.tpl')
<h1>{{_('page.setup')}}</h1>
<ol class="steps">
% for i, st in enumerate(steps):
<li class="{{'current' if st == step else ''}}"><a href="/setup?step={{st}}">{{i + 1}}. {{_('setup.' + st)}}</a></li>
% end
</ol>
% if errors or general:
<div class="alarm" role="alert" id="form-errors"><p>{{_('config.not_saved')}}</p><ul>
% for g in general:
<li>{{_(g)}}</li>
% end
% for path, msg in errors.items():
<li><code>{{path}}</code>: {{_(msg)}}</li>
% end
</ul></div>
% end
<section class="card wizard">
<form method="post" action="/setup/{{step}}" class="stack" id="setup-form">
<input type="hidden" name="csrf" value="{{csrf}}">
% if step == 'country':
<p>{{_('setup.country_intro')}}</p>
<label>{{_('setup.country_label')}}
<select name="country" id="country">
% for c in countries:
<option value="{{c['iso']}}" data-tz="{{c['timezone']}}" {{'selected' if c['iso'] == cfg.country.upper() else ''}}>{{c['name']}} ({{c['iso']}})</option>
% end
</select></label>
<label>{{_('setup.timezone')}} <input name="timezone" id="timezone" list="timezones" value="{{cfg.timezone}}" placeholder="{{_('setup.timezone_default')}}"></label>
<datalist id="timezones">
% for tz in timezones:
<option value="{{tz}}">
% end
</datalist>
% elif step == 'password':
<p>{{_('setup.password_intro')}}</p>
<label>{{_('password.new')}} <input name="new" type="password" autocomplete="new-password" minlength="10"></label>
<label>{{_('password.again')}} <input name="again" type="password" autocomplete="new-password" minlength="10"></label>
% elif step == 'extensions':
<p>{{_('setup.extensions_intro')}}</p>
<table class="data"><thead><tr><th>{{_('col.port')}}</th><th>{{_('col.extension')}}</th><th>{{_('setup.name')}}</th></tr></thead>
% for e in exts:
<tr><td>FXS {{e['port']}}</td><td><input name="number_{{e['port']}}" id="number_{{e['port']}}" value="{{e['number']}}" size="6" inputmode="numeric"></td>
<td><input name="name_{{e['port']}}" id="name_{{e['port']}}" value="{{e['name']}}" maxlength="32"></td></tr>
% end
</table>
% elif step == 'lines':
<p>{{_('setup.lines_intro')}}</p>
<table class="data"><thead><tr><th>{{_('col.line')}}</th><th>{{_('setup.rings')}}</th><th>{{_('setup.dial')}}</th></tr></thead>
% for ln in lines:
<tr><td>FXO {{ln['port']}}</td><td><select name="destination_{{ln['port']}}" id="destination_{{ln['port']}}">
% for e in extension_list:
<option value="{{e.number}}" {{'selected' if e.number == ln['destination'] else ''}}>{{e.number}} {{e.display_name}}</option>
% end
</select></td><td><select name="dial_{{ln['port']}}">
% for d in ('dtmf', 'pulse'):
<option value="{{d}}" {{'selected' if d == ln['dial'] else ''}}>{{_('setup.dial_' + d)}}</option>
% end
</select></td></tr>
% end
</table>
% elif step == 'trunk':
<p>{{_('setup.trunk_intro')}}</p>
% for w in trunk:
% include('field.tpl', w=w)
% end
% elif step == 'test':
<p>{{_('setup.test_intro')}}</p>
<table class="data" data-live="/api/status" id="test-ports">
<thead><tr><th>{{_('col.port')}}</th><th>{{_('col.extension')}}</th><th>{{_('col.status')}}</th><th></th></tr></thead>
<tbody>
% for p in status['ports']:
<tr><td>{{p['kind'].upper()}} {{p['port']}}</td><td>{{p['extension']}} {{p['name']}}</td>
<td class="st" data-status-port="{{p['port']}}">{{_('status.' + p['status'], p['status'])}}</td>
<td>
% if p['kind'] == 'fxs':
<button type="button" class="small" data-test-ring="{{p['port']}}" id="test-ring-{{p['port']}}">{{_('setup.ring')}}</button>
% elif virtual:
<button type="button" class="small" data-ring-line="{{p['port']}}" id="ring-line-{{p['port']}}">{{_('setup.call_in')}}</button>
% end
</td></tr>
% end
</tbody></table>
<p id="test-result" role="status" class="result"></p>
% if virtual:
<p class="hint">{{_('setup.test_virtual')}} <a href="/board">{{_('nav.board')}}</a></p>
% end
% end
<div class="row">
<button type="submit" id="setup-next">{{_('setup.finish') if step == 'test' else _('setup.next')}}</button>
</div>
</form>
</section>
