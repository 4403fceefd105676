% rebase('base.tpl')
<h1>PBX login</h1>
% if error:
<p class="alarm">{{error}}</p>
% end
<form method="post" action="/login">
<label>User <input name="user" value="admin" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Log in</button>
</form>
